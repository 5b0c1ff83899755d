/* Share a link from the phone: the system share sheet (Web Share API) where there is one,
   else copy the link to the clipboard and say so. Buttons carry data-share-url (and
   data-share-title, data-share-text, data-copied, data-copy-failed); the message goes to
   the page's [data-share-status] element. */
(function () {
  "use strict";
  var status = document.querySelector("[data-share-status]");

  function say(text) {
    if (status) status.textContent = text || "";
  }

  function copy(button, url) {
    var done = function () { say(button.getAttribute("data-copied")); };
    var failed = function () { say(button.getAttribute("data-copy-failed")); };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(url).then(done, failed);
      return;
    }
    failed();
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-share-url]"), function (button) {
    button.addEventListener("click", function () {
      var url = button.getAttribute("data-share-url");
      var data = {
        title: button.getAttribute("data-share-title") || "",
        text: button.getAttribute("data-share-text") || "",
        url: url
      };
      if (navigator.share && (!navigator.canShare || navigator.canShare(data))) {
        navigator.share(data).catch(function (error) {
          // Closing the share sheet is not a failure; anything else falls back to copying.
          if (!error || error.name !== "AbortError") copy(button, url);
        });
        return;
      }
      copy(button, url);
    });
  });
})();
