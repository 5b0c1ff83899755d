// Counter checkout form: +/- steppers, line amounts from count × price, live subtotal,
// and the mixed-payment fields shown only when "Mixed" is chosen. The form works without it.
(function () {
  "use strict";
  var form = document.querySelector("[data-testid='checkout-form']");
  if (!form) return;
  var subtotal = form.querySelector("[data-testid='live-subtotal']");
  var formatter;
  try {
    formatter = new Intl.NumberFormat(document.documentElement.lang || undefined, {
      style: "currency", currency: subtotal.dataset.currency || "CNY"
    });
  } catch (e) {
    formatter = { format: function (n) { return n.toFixed(2); } };
  }

  function parse(text) {
    var n = parseFloat(String(text || "").replace(/[，,]/, "."));
    return isNaN(n) ? 0 : n;
  }

  function update() {
    var total = 0;
    form.querySelectorAll(".item-row").forEach(function (row) {
      var qty = parseInt(row.querySelector("input.qty").value, 10) || 0;
      var amount = row.querySelector("input.line-amount");
      var value = amount.value.trim() === "" ? qty * parse(amount.dataset.unitPrice) : parse(amount.value);
      if (amount.value.trim() === "" && qty > 0) amount.placeholder = (qty * parse(amount.dataset.unitPrice)).toFixed(2);
      if (qty > 0) total += value;
    });
    subtotal.textContent = formatter.format(total);
  }

  form.querySelectorAll(".item-row").forEach(function (row) {
    var qty = row.querySelector("input.qty");
    var amount = row.querySelector("input.line-amount");
    row.querySelectorAll("button.step").forEach(function (button) {
      button.addEventListener("click", function () {
        var next = Math.max(0, (parseInt(qty.value, 10) || 0) + parseInt(button.dataset.step, 10));
        qty.value = next;
        amount.dataset.touched || (amount.value = "");
        update();
      });
    });
    qty.addEventListener("input", update);
    amount.addEventListener("input", function () { amount.dataset.touched = amount.value ? "1" : ""; update(); });
  });

  var mixed = form.querySelector("[data-mixed]");
  function toggleMixed() {
    var chosen = form.querySelector("input[name='pay_with']:checked");
    mixed.hidden = !(chosen && chosen.value === "mixed");
  }
  form.querySelectorAll("input[name='pay_with']").forEach(function (radio) {
    radio.addEventListener("change", toggleMixed);
  });
  toggleMixed();
  update();
})();
