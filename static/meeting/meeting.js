// The meeting page: pre-join, then the room. Signalling is in node-client.js;
// the events for an embedding page are in docs/embedding.md.
import { NodeClient } from './node-client.js';

const config = JSON.parse(document.getElementById('meeting-config').textContent);
const $ = (id) => document.getElementById(id);
const HIDEABLE = ['chat', 'people', 'mic', 'camera', 'leave'];
const options = readOptions(new URLSearchParams(window.location.search));
const people = new Map(); // participant_id -> {info, tile}
let client = null;
let local = null;
let ticket = null;

// --- URL parameters (docs/embedding.md) -----------------------------------------

function readOptions(params) {
  const hidden = (params.get('hide') || '').split(',').map((item) => item.trim())
    .filter((item) => HIDEABLE.includes(item));
  const color = params.get('color') || '';
  return {
    name: (params.get('name') || '').slice(0, 100),
    autojoin: ['1', 'true', 'yes'].includes(params.get('autojoin')),
    layout: params.get('layout') === 'strip' ? 'strip' : 'grid',
    hidden,
    cameraOff: params.get('camera') === 'off',
    micOff: params.get('mic') === 'off',
    color: /^#[0-9a-fA-F]{3,8}$/.test(color) ? color : '',
  };
}

function applyOptions() {
  document.body.classList.toggle('strip', options.layout === 'strip');
  for (const item of options.hidden) document.body.classList.add(`hide-${item}`);
  if (options.color) document.documentElement.style.setProperty('--brand', options.color);
  if (options.name || options.autojoin) $('display-name').value = options.name || 'Guest';
}

// --- the embedding page ------------------------------------------------------

// Messages go to the embedding origin only when the company allows it, never '*'.
function parentOrigin() {
  if (window.parent === window) return null;
  const ancestors = window.location.ancestorOrigins;
  const origin = ancestors && ancestors.length ? ancestors[0]
    : (document.referrer ? new URL(document.referrer).origin : null);
  return origin && config.embedOrigins.includes(origin) ? origin : null;
}

function tellParent(type, fields = {}) {
  const origin = parentOrigin();
  if (origin) window.parent.postMessage({ type, ...fields }, origin);
}

// --- pre-join ----------------------------------------------------------------

async function preview() {
  try {
    local = await navigator.mediaDevices.getUserMedia({
      audio: true, video: { width: 640, height: 480 },
    });
    $('preview').srcObject = local;
  } catch (error) {
    local = new MediaStream(); // join without camera and microphone
    showError(`Camera or microphone unavailable: ${error.message}`);
  }
}

function showError(text) {
  $('join-error').textContent = text;
  $('join-error').hidden = false;
}

async function join(displayName, moderatorPin) {
  const request = { display_name: displayName };
  if (moderatorPin) request.moderator_pin = moderatorPin;
  const response = await fetch(`/api/v1/rooms/${encodeURIComponent(config.accessCode)}/join`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(request),
  });
  const body = await response.json();
  if (!response.ok) throw new Error(body.message || `join failed (${response.status})`);
  ticket = body;
  client = new NodeClient(body, local);
  client.addEventListener('joined', ({ detail }) => onJoined(detail));
  client.addEventListener('participant_joined', ({ detail }) => addPerson(detail.participant));
  client.addEventListener('participant_left', ({ detail }) => removePerson(detail));
  client.addEventListener('track', ({ detail }) => showTrack(detail.info, detail.track));
  client.addEventListener('talking', ({ detail }) => setTalking(detail));
  client.addEventListener('chat', ({ detail }) => showChat(detail));
  client.addEventListener('locked', ({ detail }) => showLocked(detail.locked));
  client.addEventListener('muted', ({ detail }) => showMuted(detail));
  client.addEventListener('closed', ({ detail }) => onClosed(detail));
  client.connect();
}

// --- the room ----------------------------------------------------------------

function isModerator() {
  return ticket && ticket.role === 'moderator';
}

function onJoined(joined) {
  $('prejoin').hidden = true;
  $('room').hidden = false;
  $('moderator-controls').hidden = !isModerator();
  for (const info of joined.participants) addPerson(info);
  const mine = people.get(joined.me.participant_id);
  if (mine) {
    mine.video.srcObject = local;
    mine.video.muted = true;
    mine.tile.classList.add('self');
  }
  if (options.micOff) toggle($('mic'), 'microphone');
  if (options.cameraOff) toggle($('camera'), 'camera');
  tellParent('vivomeetingsJoinedEvent', {
    sessionId: joined.session_id, participantId: joined.me.participant_id,
  });
}

function addPerson(info) {
  if (people.has(info.participant_id)) return;
  const tile = document.createElement('div');
  tile.className = 'tile';
  tile.dataset.participant = info.participant_id;
  const video = document.createElement('video');
  video.autoplay = true;
  video.playsInline = true;
  const name = document.createElement('span');
  name.className = 'name';
  name.textContent = info.display_name;
  tile.append(video, name);
  $('grid').append(tile);
  const item = document.createElement('li');
  item.textContent = info.display_name;
  item.dataset.participant = info.participant_id;
  if (isModerator() && client.me && info.participant_id !== client.me.participant_id) {
    item.append(' ', button('Mute', 'mute', () => moderate('mute', info)),
      ' ', button('Remove', 'remove', () => moderate('kick', info)));
  }
  $('people').append(item);
  people.set(info.participant_id, { info, tile, video, item, stream: new MediaStream() });
  if (client && client.me && info.participant_id !== client.me.participant_id) {
    tellParent('vivomeetingsParticipantJoinedEvent', {
      participantId: info.participant_id, displayName: info.display_name,
    });
  }
}

function removePerson({ participant_id: id }) {
  const person = people.get(id);
  if (!person) return;
  person.tile.remove();
  person.item.remove();
  people.delete(id);
  tellParent('vivomeetingsParticipantLeftEvent', { participantId: id });
}

function showTrack(info, track) {
  const person = people.get(info.participant_id);
  if (!person) return;
  for (const old of person.stream.getTracks()) {
    if (old.kind === track.kind) person.stream.removeTrack(old);
  }
  person.stream.addTrack(track);
  person.video.srcObject = person.stream;
}

function setTalking({ participant_id: id, talking }) {
  const person = people.get(id);
  if (person) person.tile.classList.toggle('talking', talking);
}

function showChat(message) {
  const item = document.createElement('li');
  const who = document.createElement('b');
  who.textContent = `${message.from_name}: `;
  item.append(who, document.createTextNode(message.text));
  $('chat').append(item);
}

function button(text, className, onClick) {
  const element = document.createElement('button');
  element.type = 'button';
  element.className = className;
  element.textContent = text;
  element.addEventListener('click', onClick);
  return element;
}

async function moderate(action, participant = null) {
  const response = await fetch(
    `/api/v1/sessions/${encodeURIComponent(ticket.session_id)}/${action}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${ticket.token}` },
      body: JSON.stringify(participant ? { participant_id: participant.participant_id } : {}),
    });
  if (!response.ok) showStatus((await response.json()).message);
}

function showStatus(text) {
  $('status').textContent = text;
  $('status').hidden = false;
}

function showLocked(locked) {
  $('lock').setAttribute('aria-pressed', String(locked));
  $('lock').textContent = locked ? 'Unlock' : 'Lock';
  showStatus(locked ? 'The meeting is locked.' : 'The meeting is open.');
}

function showMuted({ participant_id: id, muted, by }) {
  if (client.me && id === client.me.participant_id && muted && by !== id) {
    for (const track of local.getAudioTracks()) track.enabled = false;
    $('mic').setAttribute('aria-pressed', 'true');
    $('mic').textContent = TOGGLE_LABELS.microphone[1];
    showStatus('A moderator muted you.');
  }
}

function onClosed({ code, reason }) {
  for (const track of local ? local.getTracks() : []) track.stop();
  $('room').hidden = true;
  $('prejoin').hidden = true;
  $('ended').hidden = false;
  $('ended-text').textContent = {
    left: 'You left the meeting.', ended: 'The meeting has ended.',
    kicked: 'You were removed from the meeting.',
  }[reason] || { 4010: 'The meeting is locked.', 4029: 'The meeting is full.' }[code]
    || 'The connection to the meeting was lost.';
  tellParent('vivomeetingsLeaveCallEvent', { reason });
}

// --- controls ----------------------------------------------------------------

const TOGGLE_LABELS = { microphone: ['Mute', 'Unmute'], camera: ['Stop video', 'Start video'] };

function toggle(button, source) {
  const muted = button.getAttribute('aria-pressed') !== 'true';
  button.setAttribute('aria-pressed', String(muted));
  button.textContent = TOGGLE_LABELS[source][Number(muted)];
  client.setMuted(source, muted);
}

$('join-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  $('join').disabled = true;
  try {
    await join($('display-name').value.trim(), $('moderator-pin').value.trim());
  } catch (error) {
    showError(error.message);
    $('join').disabled = false;
  }
});
$('chat-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const text = $('chat-text').value.trim();
  if (text) client.send({ type: 'chat', text });
  $('chat-text').value = '';
});
$('mic').addEventListener('click', (event) => toggle(event.currentTarget, 'microphone'));
$('camera').addEventListener('click', (event) => toggle(event.currentTarget, 'camera'));
$('leave').addEventListener('click', () => client.leave());
$('mute-all').addEventListener('click', () => moderate('mute_all'));
$('lock').addEventListener('click', () => moderate(
  $('lock').getAttribute('aria-pressed') === 'true' ? 'unlock' : 'lock'));
$('end').addEventListener('click', () => moderate('end'));

applyOptions();
preview().then(() => {
  if (options.autojoin) $('join-form').requestSubmit();
});
