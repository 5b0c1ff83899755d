// Log-in page: Enter in the password field logs in with the password (the form's first
// button, "send me a code", would otherwise be the one the browser presses).
(function () {
  "use strict";
  document.querySelectorAll("[data-enter-clicks]").forEach(function (input) {
    input.addEventListener("keydown", function (event) {
      if (event.key !== "Enter") return;
      var button = document.querySelector(input.dataset.enterClicks);
      if (!button) return;
      event.preventDefault();
      button.click();
    });
  });
})();
