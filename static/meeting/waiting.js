// The waiting page of a scheduled room: a countdown to when it opens, then a
// reload, which brings the meeting page. Times come from the server (its
// clock, not this device's, decides when the room opens).
const waiting = document.getElementById('waiting');
const opensAt = Date.parse(waiting.dataset.opensAt);
const skew = Date.parse(waiting.dataset.now) - Date.now();
const countdown = document.getElementById('countdown');
const startsAt = document.getElementById('starts-at');
startsAt.textContent = new Date(Date.parse(waiting.dataset.startsAt)).toLocaleString([], {
  dateStyle: 'medium', timeStyle: 'short',
});

function tick() {
  const left = Math.max(0, Math.ceil((opensAt - (Date.now() + skew)) / 1000));
  const h = Math.floor(left / 3600);
  const m = Math.floor((left % 3600) / 60);
  const s = String(left % 60).padStart(2, '0');
  countdown.textContent = h ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
  if (left === 0) {
    // A second's margin past the opening, so the server agrees it is open.
    setTimeout(() => window.location.reload(), 1000);
    return;
  }
  setTimeout(tick, 1000);
}
tick();
