// The set-password link carries its one-time token in the fragment
// (/password/set#<token>). A browser never sends a fragment to a server, so
// the token is in no request line and no access log; this script hands it
// to the form (which POSTs it) and takes it out of the address bar and the
// history. A script of its own, not an inline one: pages allow only
// scripts served by the platform (Content-Security-Policy script-src 'self').
const field = document.getElementById('token');
const token = decodeURIComponent(window.location.hash.slice(1));
if (field && token) {
  field.value = token;
  window.history.replaceState(null, '', window.location.pathname);
}
