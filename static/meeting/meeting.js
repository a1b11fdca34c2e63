// The meeting page: pre-join, then the room. Signalling is in node-client.js,
// the words in i18n.js; the events for an embedding page are in
// docs/embedding.md. The server resolved the settings (company defaults and
// URL parameters) into the page's config.
import { NodeClient } from './node-client.js';
import { setLanguage, t } from './i18n.js';
import { chooseDevice, listDevices, openDevices } from './devices.js';

const config = JSON.parse(document.getElementById('meeting-config').textContent);
const $ = (id) => document.getElementById(id);
const RECONNECT_CODES = new Set([1001, 1006, 1011, 4001, 4011]);
const people = new Map(); // participant_id -> {info, tile, video, item, stream, screen}
const state = {
  muteMode: config.mute_mode, maySpeak: true, handRaised: false, sharing: null, lostAt: null,
};
let client = null;
let local = null; // the camera and microphone stream
let ticket = null;

// --- the embedding page ------------------------------------------------------

// Messages go to the embedding origin only when the company allows it, never '*'.
function parentOrigin() {
  if (window.parent === window) return null;
  const ancestors = window.location.ancestorOrigins;
  const origin = ancestors && ancestors.length ? ancestors[0]
    : (document.referrer ? new URL(document.referrer).origin : null);
  return origin && config.embed_origins.includes(origin) ? origin : null;
}

function tellParent(type, fields = {}) {
  const origin = parentOrigin();
  if (origin) window.parent.postMessage({ type, ...fields }, origin);
}

// --- pre-join ----------------------------------------------------------------

async function preview() {
  try {
    local = await openDevices();
  } catch (error) {
    local = new MediaStream(); // join without camera and microphone
    showError(t('status_no_devices', { message: error.message }));
  }
  $('preview').srcObject = local;
  listDevices(local); // the selects may fill in after the join starts
}

function showError(text) {
  $('join-error').textContent = text;
  $('join-error').hidden = false;
}

async function requestTicket(request) {
  const response = await fetch(`/api/v1/rooms/${encodeURIComponent(config.access_code)}/join`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(request),
  });
  const body = await response.json();
  if (!response.ok) {
    const error = new Error(body.message || `join failed (${response.status})`);
    error.status = response.status;
    throw error;
  }
  return body;
}

async function join() {
  const request = { display_name: $('display-name').value.trim() || t('guest') };
  const moderatorPin = $('moderator-pin').value.trim();
  if (moderatorPin) request.moderator_pin = moderatorPin;
  if ($('security-pin') && $('security-pin').value.trim()) {
    request.security_pin = $('security-pin').value.trim();
  }
  // The web's answer and the camera come in parallel; a quick click must
  // not join without camera and microphone.
  const [ticketForUs] = await Promise.all([requestTicket(request), devicesReady]);
  connect(ticketForUs);
}

function connect(newTicket) {
  ticket = newTicket;
  client = new NodeClient(ticket, local);
  const on = (type, handler) => client.addEventListener(type, ({ detail }) => handler(detail));
  on('joined', onJoined);
  on('participant_joined', (detail) => addPerson(detail.participant, true));
  on('participant_left', removePerson);
  on('track', (detail) => showTrack(detail.info, detail.track));
  on('track_unpublished', ({ participant_id: id, track_id: trackId }) => showScreenTile(
    id, trackId, false));
  on('talking', setTalking);
  on('chat', showChat);
  on('locked', showLocked);
  on('muted', showMuted);
  on('hand', showHand);
  on('mute_mode', ({ mode }) => setMuteMode(mode, true));
  on('may_speak', showMaySpeak);
  on('error', ({ message }) => showStatus(message));
  on('closed', onClosed);
  client.connect();
}

// --- the room ----------------------------------------------------------------

function isModerator() {
  return ticket && ticket.role === 'moderator';
}

function isMe(id) {
  return client && client.me && id === client.me.participant_id;
}

function onJoined(joined) {
  const reconnected = !$('room').hidden;
  $('prejoin').hidden = true;
  $('room').hidden = false;
  $('moderator-controls').hidden = !isModerator();
  for (const id of [...people.keys()]) dropPerson(id);
  for (const info of joined.participants) addPerson(info);
  const mine = people.get(joined.me.participant_id);
  if (mine) {
    mine.video.srcObject = local;
    mine.video.muted = true;
    mine.tile.classList.add('self');
  }
  setMuteMode(joined.mute_mode, false);
  setPressed('lock', joined.locked);
  state.lostAt = null;
  if (reconnected) {
    showStatus(t('status_reconnected'));
    restoreState();
    return;
  }
  if (config.mic_off || !state.maySpeak) setPressed('mic', true);
  if (config.camera_off) setPressed('camera', true);
  tellParent('vivomeetingsJoinedEvent', {
    sessionId: joined.session_id, participantId: joined.me.participant_id,
  });
}

// After a reconnect the node knows nothing of our buttons: tell it again.
function restoreState() {
  if (pressed('mic')) client.setMuted('microphone', true);
  if (pressed('camera')) client.setMuted('camera', true);
  if (state.handRaised) client.raiseHand(true);
  stopSharing(false); // the new connection has no screen slot yet
}

function addPerson(info, announce = false) {
  if (people.has(info.participant_id)) return;
  const tile = element('div', 'tile');
  tile.dataset.participant = info.participant_id;
  const video = document.createElement('video');
  video.autoplay = true;
  video.playsInline = true;
  const name = element('span', 'name', info.display_name);
  const hand = element('span', 'hand', '✋');
  hand.title = t('hand_raised');
  tile.append(video, name, hand);
  $('grid').append(tile);
  const item = element('li');
  item.dataset.participant = info.participant_id;
  item.append(element('span', 'person-name', info.display_name), element('span', 'hand', '✋'));
  if (isModerator() && !isMe(info.participant_id)) {
    item.append(
      button(t('mute'), 'mute', () => moderate('mute', { participant_id: info.participant_id })),
      button(t('remove'), 'remove', () => moderate('kick', { participant_id: info.participant_id })),
      button(t('allow_speak'), 'allow-speak', () => moderate('allow_speak', {
        participant_id: info.participant_id, allowed: !item.classList.contains('may-speak'),
      })),
    );
  }
  $('people').append(item);
  const person = { info, tile, video, item, stream: new MediaStream(), screen: null };
  people.set(info.participant_id, person);
  markHand(person, info.hand_raised);
  markMaySpeak(person, info.may_speak);
  if (announce) {
    tellParent('vivomeetingsParticipantJoinedEvent', {
      participantId: info.participant_id, displayName: info.display_name,
    });
  }
}

function dropPerson(id) {
  const person = people.get(id);
  if (!person) return false;
  person.tile.remove();
  person.item.remove();
  if (person.screen) person.screen.tile.remove();
  people.delete(id);
  return true;
}

function removePerson({ participant_id: id }) {
  if (dropPerson(id)) tellParent('vivomeetingsParticipantLeftEvent', { participantId: id });
}

function showTrack(info, track) {
  const person = people.get(info.participant_id);
  if (!person) return;
  if (info.source === 'screen') {
    showScreen(person, info, track);
    return;
  }
  for (const old of person.stream.getTracks()) {
    if (old.kind === track.kind) person.stream.removeTrack(old);
  }
  person.stream.addTrack(track);
  person.video.srcObject = person.stream;
}

// A muted or unpublished screen share hides its tile; other tracks keep theirs.
function showScreenTile(id, trackId, shown) {
  const person = people.get(id);
  if (person && person.screen && trackId.endsWith(':screen')) person.screen.tile.hidden = !shown;
}

function showScreen(person, info, track) {
  if (!person.screen) {
    const tile = element('div', 'tile screen');
    tile.dataset.participant = info.participant_id;
    const video = document.createElement('video');
    video.autoplay = true;
    video.playsInline = true;
    video.muted = true;
    tile.append(video, element('span', 'name', t('screen_of', { name: person.info.display_name })));
    $('grid').prepend(tile);
    person.screen = { tile, video };
  }
  person.screen.video.srcObject = new MediaStream([track]);
  person.screen.tile.hidden = info.muted;
}

function setTalking({ participant_id: id, talking }) {
  const person = people.get(id);
  if (person) person.tile.classList.toggle('talking', talking);
}

function showChat(message) {
  const item = element('li');
  item.append(element('b', '', `${message.from_name}: `), document.createTextNode(message.text));
  $('chat').append(item);
}

function element(tag, className = '', text = '') {
  const made = document.createElement(tag);
  if (className) made.className = className;
  if (text) made.textContent = text;
  return made;
}

function button(text, className, onClick) {
  const made = element('button', className, text);
  made.type = 'button';
  made.addEventListener('click', onClick);
  return made;
}

async function moderate(action, body = {}) {
  const response = await fetch(
    `/api/v1/sessions/${encodeURIComponent(ticket.session_id)}/${action}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${ticket.token}` },
      body: JSON.stringify(body),
    });
  if (!response.ok) showStatus((await response.json()).message);
}

function showStatus(text) {
  $('status').textContent = text;
  $('status').hidden = false;
}

function showLocked({ locked }) {
  setPressed('lock', locked);
  showStatus(t(locked ? 'status_locked' : 'status_unlocked'));
}

function showMuted({ participant_id: id, muted, by, track_id: trackId }) {
  showScreenTile(id, trackId, !muted);
  if (isMe(id) && muted && by !== id && trackId.endsWith(':microphone')) {
    setPressed('mic', true);
    if (local) for (const track of local.getAudioTracks()) track.enabled = false;
    if (state.maySpeak) showStatus(t('status_muted')); // else the mode said why
  }
}

// --- who may speak: the mute mode, raised hands ----------------------------------

// A new mode starts with nobody let speak (the node forgets who was, too).
function setMuteMode(mode, announce) {
  state.muteMode = mode;
  $('mute-mode').value = mode;
  document.body.dataset.muteMode = mode;
  if (announce) {
    for (const person of people.values()) markMaySpeak(person, mode === 'conversation');
  }
  const mine = client && client.me ? people.get(client.me.participant_id) : null;
  const allowed = mine ? mine.item.classList.contains('may-speak') : mode === 'conversation';
  setMaySpeak(isModerator() || mode === 'conversation' || (mode === 'qa' && allowed));
  if (announce) showStatus(t(`status_${mode}`));
}

function setMaySpeak(maySpeak) {
  state.maySpeak = maySpeak;
  $('mic').disabled = !maySpeak;
  if (!maySpeak) setPressed('mic', true);
}

function showMaySpeak({ participant_id: id, allowed }) {
  const person = people.get(id);
  if (person) markMaySpeak(person, allowed);
  if (!isMe(id)) return;
  setMaySpeak(allowed || isModerator() || state.muteMode === 'conversation');
  if (allowed) setHand(false);
  showStatus(t(allowed ? 'status_may_speak' : 'status_may_not_speak'));
}

function markMaySpeak(person, allowed) {
  person.item.classList.toggle('may-speak', Boolean(allowed));
  const allow = person.item.querySelector('.allow-speak');
  if (allow) allow.textContent = t(allowed ? 'revoke_speak' : 'allow_speak');
}

function showHand({ participant_id: id, raised }) {
  const person = people.get(id);
  if (person) markHand(person, raised);
  if (isMe(id)) setHand(raised, false);
}

function markHand(person, raised) {
  person.tile.classList.toggle('hand-raised', Boolean(raised));
  person.item.classList.toggle('hand-raised', Boolean(raised));
}

function setHand(raised, tell = true) {
  state.handRaised = raised;
  $('hand').setAttribute('aria-pressed', String(raised));
  $('hand').textContent = t(raised ? 'lower_hand' : 'raise_hand');
  if (tell) client.raiseHand(raised);
}

// --- leaving, reconnecting ---------------------------------------------------------

async function onClosed({ code, reason }) {
  if (!RECONNECT_CODES.has(code)) finish(code, reason);
  else if (!(await reconnect())) finish(code, 'timeout');
}

async function reconnect() {
  showStatus(t('status_reconnecting'));
  state.lostAt = state.lostAt || Date.now(); // one deadline, however many tries fail
  const deadline = state.lostAt + config.reconnect_seconds * 1000; // then: 'timeout'
  for (let delay = 500; Date.now() < deadline; delay = Math.min(delay * 2, 4000)) {
    await new Promise((resolve) => setTimeout(resolve, delay));
    try {
      connect(await requestTicket({ rejoin_token: ticket.token }));
      return true;
    } catch (error) {
      if (error.status && error.status !== 503) {
        finish(0, { 410: 'ended', 403: 'kicked' }[error.status] || 'error');
        return true; // nothing to resume: the meeting ended, or we were removed
      }
    }
  }
  return false;
}

function finish(code, reason) {
  for (const track of local ? local.getTracks() : []) track.stop();
  if (state.sharing) for (const track of state.sharing.getTracks()) track.stop();
  $('room').hidden = true;
  $('prejoin').hidden = true;
  $('ended').hidden = false;
  const byCode = { 4010: 'ended_locked', 4029: 'ended_full' }[code];
  $('ended-text').textContent = t(byCode || `ended_${reason}`);
  tellParent('vivomeetingsLeaveCallEvent', { reason });
  if (config.after_call_url) window.location.assign(config.after_call_url);
}

// --- controls ----------------------------------------------------------------

const LABELS = { mic: ['mute', 'unmute'], camera: ['stop_video', 'start_video'] };
const SOURCES = { mic: 'microphone', camera: 'camera' };

function pressed(id) {
  return $(id).getAttribute('aria-pressed') === 'true';
}

function setPressed(id, on) {
  $(id).setAttribute('aria-pressed', String(on));
  if (LABELS[id]) $(id).textContent = t(LABELS[id][Number(on)]);
  if (id === 'lock') $(id).textContent = t(on ? 'unlock' : 'lock');
  if (SOURCES[id] && client && client.me) client.setMuted(SOURCES[id], on);
}

async function shareScreen() {
  try {
    state.sharing = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
  } catch (error) {
    showStatus(t('status_no_screen', { message: error.message }));
    return;
  }
  const [track] = state.sharing.getVideoTracks();
  track.addEventListener('ended', () => stopSharing()); // the browser's own "stop sharing"
  await client.replaceTrack('screen', track);
  client.setMuted('screen', false);
  $('screen').setAttribute('aria-pressed', 'true');
  $('screen').textContent = t('stop_sharing');
}

function stopSharing(tellNode = true) {
  if (!state.sharing) return;
  for (const track of state.sharing.getTracks()) track.stop();
  state.sharing = null;
  if (tellNode) {
    client.replaceTrack('screen', null);
    client.setMuted('screen', true);
  }
  $('screen').setAttribute('aria-pressed', 'false');
  $('screen').textContent = t('share_screen');
}

async function switchDevice(kind, deviceId) {
  local = await chooseDevice(local, kind, deviceId);
  $('preview').srcObject = local;
  if (!client || !client.me) return;
  const track = kind === 'audio' ? local.getAudioTracks()[0] : local.getVideoTracks()[0];
  const source = kind === 'audio' ? 'microphone' : 'camera';
  track.enabled = !pressed(kind === 'audio' ? 'mic' : 'camera');
  await client.replaceTrack(source, track);
  const mine = people.get(client.me.participant_id);
  if (mine) mine.video.srcObject = local;
}

function wire() {
  $('join-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    $('join').disabled = true;
    try {
      await join();
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
  $('mic').addEventListener('click', () => setPressed('mic', !pressed('mic')));
  $('camera').addEventListener('click', () => setPressed('camera', !pressed('camera')));
  $('screen').addEventListener('click', () => (state.sharing ? stopSharing() : shareScreen()));
  $('hand').addEventListener('click', () => setHand(!state.handRaised));
  $('devices').addEventListener('click', () => $('device-dialog').showModal());
  $('leave').addEventListener('click', () => client.leave());
  $('mute-all').addEventListener('click', () => moderate('mute_all'));
  $('mute-mode').addEventListener('change', (event) => moderate('mute_mode', {
    mode: event.target.value,
  }));
  $('lock').addEventListener('click', () => moderate(pressed('lock') ? 'unlock' : 'lock'));
  $('end').addEventListener('click', () => moderate('end'));
  for (const select of document.querySelectorAll('.camera-select, .microphone-select')) {
    const kind = select.classList.contains('camera-select') ? 'video' : 'audio';
    select.addEventListener('change', () => switchDevice(kind, select.value));
  }
}

setLanguage(config.language);
if (config.display_name || config.autojoin) $('display-name').value = config.display_name || t('guest');
wire();
const devicesReady = preview();
devicesReady.then(() => {
  if (config.autojoin) $('join-form').requestSubmit();
});
