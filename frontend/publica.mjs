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

// Passkeys on the staff sign-in and security pages. Without this (or a browser without
// WebAuthn) those pages keep working with a code from the authenticator app.
const fromBase64url = (text) => {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const padded = base64.padEnd(Math.ceil(base64.length / 4) * 4, "=");
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
};
const toBase64url = (buffer) =>
  btoa(String.fromCharCode(...new Uint8Array(buffer)))
    .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const withBytes = (list) => (list || []).map((c) => ({ ...c, id: fromBase64url(c.id) }));
const credentialJSON = (credential) => {
  const answer = credential.response;
  const response = { clientDataJSON: toBase64url(answer.clientDataJSON) };
  if (answer.attestationObject) {
    response.attestationObject = toBase64url(answer.attestationObject);
    response.transports = answer.getTransports ? answer.getTransports() : [];
  } else {
    response.authenticatorData = toBase64url(answer.authenticatorData);
    response.signature = toBase64url(answer.signature);
    if (answer.userHandle) response.userHandle = toBase64url(answer.userHandle);
  }
  return JSON.stringify({
    id: credential.id,
    rawId: toBase64url(credential.rawId),
    type: credential.type,
    response,
    clientExtensionResults: credential.getClientExtensionResults(),
    authenticatorAttachment: credential.authenticatorAttachment || undefined,
  });
};
for (const button of document.querySelectorAll("[data-publica-passkey]")) {
  const source = document.getElementById(button.dataset.options);
  const form = button.closest("form");
  if (!window.PublicKeyCredential || !navigator.credentials || !source || !form) continue;
  const block = button.closest("[data-publica-passkey-block]");
  const failed = block.querySelector("[data-publica-passkey-error]");
  const fallback = form.querySelector("[data-publica-passkey-fallback]");
  block.hidden = false;
  if (fallback) fallback.hidden = true;
  button.addEventListener("click", async () => {
    const options = JSON.parse(source.textContent);
    const creating = button.dataset.publicaPasskey === "create";
    const publicKey = creating
      ? { ...options, challenge: fromBase64url(options.challenge),
          user: { ...options.user, id: fromBase64url(options.user.id) },
          excludeCredentials: withBytes(options.excludeCredentials) }
      : { ...options, challenge: fromBase64url(options.challenge),
          allowCredentials: withBytes(options.allowCredentials) };
    failed.hidden = true;
    try {
      const credential = creating
        ? await navigator.credentials.create({ publicKey })
        : await navigator.credentials.get({ publicKey });
      form.querySelector("[data-publica-passkey-response]").value = credentialJSON(credential);
      form.submit();
    } catch {
      failed.hidden = false;
    }
  });
}
