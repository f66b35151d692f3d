// Progressive enhancement only: every page works without this file.
import { initAll } from "./govuk/govuk-frontend.min.js";

document.body.classList.add("js-enabled");
if ("noModule" in HTMLScriptElement.prototype) {
  document.body.classList.add("govuk-frontend-supported");
}
initAll();

// A location question gets a map when the service has a tiles URL; the address and
// coordinate inputs stay, so the question still works if tiles fail to load.
const map = document.querySelector("[data-publica-map]");
if (map && window.L && map.dataset.tiles) {
  const latitude = document.getElementById(map.dataset.latitude);
  const longitude = document.getElementById(map.dataset.longitude);
  const centre = [Number(map.dataset.centreLat), Number(map.dataset.centreLng)];
  map.hidden = false;
  const leaflet = window.L.map(map).setView(centre, 15);
  window.L.tileLayer(map.dataset.tiles, { maxZoom: 19, attribution: map.dataset.attribution || "" }).addTo(leaflet);
  let marker = null;
  const place = (lat, lng) => {
    if (marker) marker.setLatLng([lat, lng]);
    else marker = window.L.marker([lat, lng]).addTo(leaflet);
  };
  if (latitude.value && longitude.value) place(Number(latitude.value), Number(longitude.value));
  leaflet.on("click", (event) => {
    latitude.value = event.latlng.lat.toFixed(6);
    longitude.value = event.latlng.lng.toFixed(6);
    place(event.latlng.lat, event.latlng.lng);
  });
}
