// Garment orders at the counter. Taking clothes in: the payment fields show only when the
// member pays now, and the due date follows "Express" until the clerk picks a date.
// Paying on collection: the mixed-payment fields show only when "Mixed" is chosen.
// Every form works without it.
(function () {
  "use strict";

  function mixedToggle(form) {
    var mixed = form.querySelector("[data-mixed]");
    if (!mixed) return;
    function toggle() {
      var chosen = form.querySelector("input[name='pay_with']:checked");
      mixed.hidden = !(chosen && chosen.value === "mixed");
    }
    form.querySelectorAll("input[name='pay_with']").forEach(function (radio) {
      radio.addEventListener("change", toggle);
    });
    toggle();
  }

  var takeIn = document.querySelector("form[data-take-in]");
  if (takeIn) {
    var payNow = takeIn.querySelector("[data-pay-now]");
    var laterHelp = takeIn.querySelector("[data-pay-later-help]");
    var toggleTiming = function () {
      var chosen = takeIn.querySelector("input[name='payment_timing']:checked");
      var later = !chosen || chosen.value === "on_collection";
      payNow.hidden = later;
      if (laterHelp) laterHelp.hidden = !later;
    };
    takeIn.querySelectorAll("input[name='payment_timing']").forEach(function (radio) {
      radio.addEventListener("change", toggleTiming);
    });
    toggleTiming();

    var due = takeIn.querySelector("input[name='due_date']");
    var express = takeIn.querySelector("input[name='is_express']");
    if (due && express) {
      due.addEventListener("input", function () { due.dataset.touched = "1"; });
      express.addEventListener("change", function () {
        if (due.dataset.touched) return;
        due.value = express.checked ? due.dataset.dueExpress : due.dataset.dueNormal;
      });
    }
  }

  var collect = document.querySelector("form[data-collect]");
  if (collect) mixedToggle(collect);
})();
