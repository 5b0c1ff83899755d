/* Counter scan page: decode the member card's QR code from the rear camera with jsQR
   (served by the app from node_modules, no CDN). A barcode scanner needs no script: it types
   into the field and presses Enter, which submits the form. */
(function () {
  "use strict";
  var box = document.querySelector("[data-jsqr]");
  var form = document.querySelector("[data-scan-form]");
  if (!box || !form) return;
  var video = box.querySelector("video");
  var start = box.querySelector("[data-camera-start]");
  var status = box.querySelector(".camera-status");
  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });
  var stream = null;
  var done = false;

  function say(key) {
    status.hidden = false;
    status.textContent = status.getAttribute("data-msg-" + key);
  }

  function loadJsQR() {
    if (window.jsQR) return Promise.resolve(window.jsQR);
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = box.getAttribute("data-jsqr");
      script.onload = function () { window.jsQR ? resolve(window.jsQR) : reject(new Error("jsQR")); };
      script.onerror = function () { reject(new Error("jsQR")); };
      document.head.appendChild(script);
    });
  }

  function stop() {
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null;
  }

  function open(text) {
    done = true;
    say("found");
    stop();
    var target = null;
    try {
      var url = new URL(text, window.location.href);
      // A member card URL: open it on this site, whatever host the card was made for.
      if (/^\/counter\/m\/[^/]+\/[^/]+\/?$/.test(url.pathname)) target = url.pathname;
    } catch (e) { /* not a URL: let the server read it */ }
    if (target) {
      window.location.assign(target);
    } else {
      form.elements.code.value = text;
      form.submit();
    }
  }

  function tick() {
    if (done || !stream) return;
    if (video.readyState >= video.HAVE_ENOUGH_DATA && video.videoWidth) {
      // Decode a downscaled frame: fast on a phone and plenty for a card-sized code.
      var scale = Math.min(1, 640 / video.videoWidth);
      canvas.width = Math.round(video.videoWidth * scale);
      canvas.height = Math.round(video.videoHeight * scale);
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var frame = context.getImageData(0, 0, canvas.width, canvas.height);
      var found = window.jsQR(frame.data, frame.width, frame.height, { inversionAttempts: "attemptBoth" });
      if (found && found.data) { open(found.data); return; }
    }
    window.requestAnimationFrame(tick);
  }

  start.addEventListener("click", function () {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { say("denied"); return; }
    loadJsQR().then(function () {
      return navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: "environment" } }, audio: false });
    }, function () { say("nolib"); throw null; }).then(function (media) {
      stream = media;
      video.srcObject = media;
      video.hidden = false;
      start.hidden = true;
      say("looking");
      return video.play();
    }).then(function () {
      window.requestAnimationFrame(tick);
    }).catch(function (error) {
      if (error !== null) say("denied");
    });
  });
  window.addEventListener("pagehide", stop);
})();
