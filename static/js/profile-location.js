// "Use my location" on the profile page: fills latitude/longitude from the phone's GPS.
(function () {
  "use strict";
  var button = document.querySelector("[data-locate]");
  if (!button || !("geolocation" in navigator)) return;
  var status = document.querySelector("[data-locate-status]");
  var lat = document.getElementById("id_latitude");
  var lng = document.getElementById("id_longitude");
  button.hidden = false;
  button.addEventListener("click", function () {
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(
      function (position) {
        lat.value = position.coords.latitude.toFixed(6);
        lng.value = position.coords.longitude.toFixed(6);
        if (status) status.textContent = button.dataset.done || "";
        button.disabled = false;
      },
      function () {
        if (status) status.textContent = button.dataset.error;
        button.disabled = false;
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  });
})();
