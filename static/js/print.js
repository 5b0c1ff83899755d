// "Print receipt": shown only when scripts run; the print stylesheet fits 58/80 mm paper.
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
