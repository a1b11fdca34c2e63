// The meeting page: pre-join, then the room. Signalling is in node-client.js,
// the words in i18n.js; the events for an embedding page are in
// docs/embedding.md. The server resolved the settings (company defaults and
// URL parameters) into the page's config.
//
// What the page shows lives in `state`; the render functions write it to the
// DOM, and nothing is read back from the DOM to decide anything (only what
// the user types). Who may speak and which source a track carries, the node
// says: the page does not repeat the node's rules.
import { NodeClient } from './node-client.js';
import { setLanguage, t } from './i18n.js';
import { chooseDevice, listDevices, openDevices } from './devices.js';

const config = JSON.parse(document.getElementById('meeting-config').textContent);
const $ = (id) => document.getElementById(id);
const RECONNECT_CODES = new Set([1001, 1006, 1011, 4001, 4011]);
const LOBBY_POLL_MS = 3000; // a waiting guest asks again, a moderator looks again
const state = {
  joined: false, // in the room; a reconnect stays in it
  muteMode: config.mute_mode,
  maySpeak: true, // as the node said last (joined, mute_mode, may_speak)
  muted: { microphone: false, camera: false }, // our own sources, as the buttons show them
  handRaised: false,
  locked: false,
  outputs: { live: false, recording: false }, // the badges, as the node said last
  sharing: null, // the screen's stream while we share it
  lostAt: null, // when the connection was lost: one reconnect deadline from then
  people: new Map(), // participant_id -> person (see addPerson)
  waiting: false, // a guest in the room's lobby, until a moderator lets them in
  lobby: [], // moderators: the guests waiting to be let in ({participant_id, display_name})
  finished: false, // left, removed, or the meeting ended
};
let client = null; // the connection to the media node
let local = null; // the camera and microphone stream
let ticket = null; // the web's answer to the last join: node, token, role

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

// The same event, in the vocabulary of the webhooks (docs/events.md): an
// integrator matches one set of type names in the page and on its server.
function tellEvent(type, data = {}) {
  const sessionId = ticket ? ticket.session_id : undefined;
  tellParent('vivomeetingsEvent', { event: { type, data: { session_id: sessionId, ...data } } });
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

// A pass (an API client's join link) names the participant: its ticket
// needs nothing more, for the first join and every rejoin.
const joinPath = config.pass
  ? `/api/v1/passes/${encodeURIComponent(config.pass)}/join`
  : `/api/v1/rooms/${encodeURIComponent(config.access_code)}/join`;

async function requestTicket(request) {
  const response = await fetch(joinPath, {
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

// A guest of a room that asks its moderators waits in its lobby: the web
// answers {waiting: true} until one lets them in (or 403 once turned away).
async function passTicket() {
  for (;;) {
    const answer = await requestTicket({});
    state.waiting = Boolean(answer.waiting);
    renderWaiting();
    if (!state.waiting) return answer;
    await sleep(LOBBY_POLL_MS);
  }
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function join() {
  if (config.pass) {
    const [ticketForUs] = await Promise.all([passTicket(), devicesReady]);
    connect(ticketForUs);
    return;
  }
  const request = { display_name: $('display-name').value.trim() || t('guest') };
  const moderatorPin = $('moderator-pin').value.trim();
  if (moderatorPin) request.moderator_pin = moderatorPin;
  const securityPin = config.pin_required ? $('security-pin').value.trim() : '';
  if (securityPin) request.security_pin = securityPin;
  if (config.invite) request.invite = config.invite;
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
  on('track_unpublished', ({ participant_id: id, source }) => setScreenShown(id, source, false));
  on('talking', setTalking);
  on('chat', showChat);
  on('custom', passOnCustom);
  on('locked', showLocked);
  on('outputs', showOutputs);
  on('muted', showMuted);
  on('hand', showHand);
  on('mute_mode', showMuteMode);
  on('may_speak', showMaySpeak);
  on('error', ({ message }) => showStatus(message));
  on('closed', onClosed);
  client.connect();
}

// --- rendering: state -> DOM ---------------------------------------------------

function renderControls() {
  renderToggle('mic', state.muted.microphone, state.muted.microphone ? 'unmute' : 'mute');
  $('mic').disabled = !state.maySpeak;
  renderToggle('camera', state.muted.camera, state.muted.camera ? 'start_video' : 'stop_video');
  renderToggle('screen', Boolean(state.sharing), state.sharing ? 'stop_sharing' : 'share_screen');
  renderToggle('hand', state.handRaised, state.handRaised ? 'lower_hand' : 'raise_hand');
  renderToggle('lock', state.locked, state.locked ? 'unlock' : 'lock');
  renderToggle('live', state.outputs.live, state.outputs.live ? 'stop_live' : 'start_live');
  renderToggle('record', state.outputs.recording,
    state.outputs.recording ? 'stop_recording' : 'start_recording');
  $('live-badge').hidden = !state.outputs.live;
  $('recording-badge').hidden = !state.outputs.recording;
  $('mute-mode').value = state.muteMode;
  document.body.dataset.muteMode = state.muteMode; // the CSS shows "let speak" in q&a only
}

function renderWaiting() {
  $('waiting').hidden = !state.waiting;
}

function renderLobby() {
  $('lobby').hidden = !state.lobby.length;
  $('lobby-list').replaceChildren(...state.lobby.map((guest) => {
    const item = element('li');
    const answer = (admitted) => moderate('admit', {
      participant_id: guest.participant_id, admitted,
    }).then(refreshLobby);
    item.append(element('span', 'person-name', guest.display_name),
      button(t('admit'), 'admit', () => answer(true)),
      button(t('deny'), 'deny', () => answer(false)));
    return item;
  }));
}

function renderToggle(id, pressed, label) {
  $(id).setAttribute('aria-pressed', String(pressed));
  $(id).textContent = t(label);
}

function renderPerson(person) {
  for (const shown of [person.tile, person.item]) {
    shown.classList.toggle('hand-raised', person.handRaised);
  }
  person.tile.classList.toggle('talking', person.talking);
  person.item.classList.toggle('may-speak', person.maySpeak);
  if (person.allowSpeak) {
    person.allowSpeak.textContent = t(person.maySpeak ? 'revoke_speak' : 'allow_speak');
  }
  if (person.screen) person.screen.tile.hidden = !person.screen.shown;
}

// --- the room ----------------------------------------------------------------

// The web's answer says the role; the web, not the node, takes moderators'
// requests, so it decides who sees the moderator controls.
function isModerator() {
  return ticket && ticket.role === 'moderator';
}

function isMe(id) {
  return client && client.me && id === client.me.participant_id;
}

function onJoined(joined) {
  const reconnected = state.joined;
  state.joined = true;
  $('prejoin').hidden = true;
  $('room').hidden = false;
  $('moderator-controls').hidden = !isModerator();
  $('you-are-host').hidden = !(ticket && ticket.as_host); // admitted by their own session
  for (const id of [...state.people.keys()]) dropPerson(id);
  for (const info of joined.participants) addPerson(info);
  const mine = state.people.get(joined.me.participant_id);
  if (mine) {
    mine.video.srcObject = local;
    mine.video.muted = true;
    mine.tile.classList.add('self');
  }
  state.muteMode = joined.mute_mode;
  state.locked = joined.locked;
  setMaySpeak(joined.me.may_speak);
  state.lostAt = null;
  if (reconnected) {
    showStatus(t('status_reconnected'));
    restoreState();
    return;
  }
  if (config.mic_off) setOwnMuted('microphone', true);
  if (config.camera_off) setOwnMuted('camera', true);
  showNotice(config.welcome_message);
  showNotice(config.moderator_message); // the server gives it to moderators only
  if (config.lobby && isModerator()) watchLobby();
  tellParent('vivomeetingsJoinedEvent', {
    sessionId: joined.session_id, participantId: joined.me.participant_id,
  });
  tellEvent('participant.joined', { participant_id: joined.me.participant_id, me: true });
}

// After a reconnect the node knows nothing of our buttons: tell it again.
function restoreState() {
  if (state.muted.microphone) client.setMuted('microphone', true);
  if (state.muted.camera) client.setMuted('camera', true);
  if (state.handRaised) client.raiseHand(true);
  stopSharing(false); // the new connection has no screen slot yet
}

function addPerson(info, announce = false) {
  const id = info.participant_id;
  if (state.people.has(id)) return;
  const tile = element('div', 'tile');
  tile.dataset.participant = id;
  const video = document.createElement('video');
  video.autoplay = true;
  video.playsInline = true;
  const hand = element('span', 'hand', '✋');
  hand.title = t('hand_raised');
  tile.append(video, element('span', 'name', info.display_name), hand);
  $('grid').append(tile);
  const item = element('li');
  item.dataset.participant = id;
  item.append(element('span', 'person-name', info.display_name), element('span', 'hand', '✋'));
  const person = {
    info, maySpeak: info.may_speak, handRaised: info.hand_raised, talking: false,
    tile, video, item, allowSpeak: null, stream: new MediaStream(), screen: null,
  };
  if (isModerator() && !isMe(id)) {
    person.allowSpeak = button(t('allow_speak'), 'allow-speak', () => moderate('allow_speak', {
      participant_id: id, allowed: !person.maySpeak,
    }));
    item.append(
      button(t('mute'), 'mute', () => moderate('mute', { participant_id: id })),
      button(t('remove'), 'remove', () => moderate('kick', { participant_id: id })),
      person.allowSpeak,
    );
  }
  $('people').append(item);
  state.people.set(id, person);
  renderPerson(person);
  if (announce) {
    tellParent('vivomeetingsParticipantJoinedEvent', {
      participantId: id, displayName: info.display_name,
    });
    tellEvent('participant.joined', { participant_id: id, display_name: info.display_name });
  }
}

function dropPerson(id) {
  const person = state.people.get(id);
  if (!person) return false;
  person.tile.remove();
  person.item.remove();
  if (person.screen) person.screen.tile.remove();
  state.people.delete(id);
  return true;
}

function removePerson({ participant_id: id }) {
  if (!dropPerson(id)) return;
  tellParent('vivomeetingsParticipantLeftEvent', { participantId: id });
  tellEvent('participant.left', { participant_id: id });
}

function showTrack(info, track) {
  const person = state.people.get(info.participant_id);
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
function setScreenShown(id, source, shown) {
  const person = state.people.get(id);
  if (!person || !person.screen || source !== 'screen') return;
  person.screen.shown = shown;
  renderPerson(person);
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
    person.screen = { tile, video, shown: false };
  }
  person.screen.video.srcObject = new MediaStream([track]);
  person.screen.shown = !info.muted;
  renderPerson(person);
}

function setTalking({ participant_id: id, talking }) {
  const person = state.people.get(id);
  if (!person) return;
  person.talking = talking;
  renderPerson(person);
}

// A room's welcome message goes in the chat (where BBB shows it); with the
// chat hidden, in the status line.
function showNotice(text) {
  if (!text) return;
  if (config.hidden_controls.includes('chat')) {
    showStatus(text);
    return;
  }
  $('chat').append(element('li', 'notice', text));
}

// --- the lobby (a room whose guests wait for a moderator) --------------------------

async function watchLobby() {
  while (!state.finished) {
    await refreshLobby();
    await sleep(LOBBY_POLL_MS);
  }
}

async function refreshLobby() {
  const response = await fetch(
    `/api/v1/sessions/${encodeURIComponent(ticket.session_id)}/lobby`,
    { headers: { Authorization: `Bearer ${ticket.token}` } },
  ).catch(() => null);
  if (!response || !response.ok) return;
  state.lobby = (await response.json()).waiting;
  renderLobby();
}

function showChat(message) {
  const item = element('li');
  item.append(element('b', '', `${message.from_name}: `), document.createTextNode(message.text));
  $('chat').append(item);
}

// An API client's custom message (the rooms API's POST messages): for the
// embedding site, in the webhooks' vocabulary; the page shows nothing.
function passOnCustom(message) {
  tellEvent('message.sent', { message_type: 'custom', content: message.content,
    participant_id: message.from_id, display_name: message.from_name });
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
  state.locked = locked;
  renderControls();
  showStatus(t(locked ? 'status_locked' : 'status_unlocked'));
}

// The egress's live stream and recording, as the web told the node: a badge
// for everyone while one runs, and its progress (starting, failed) in the status.
function showOutputs(outputs) {
  const was = state.outputs;
  state.outputs = outputs;
  renderControls();
  const changes = [['live_stream', outputs.live_state, was.live_state],
    ['recording', outputs.recording_state, was.recording_state]];
  for (const [what, now, before] of changes) {
    if (now === before) continue;
    const event = outputEvent(what, now, before);
    if (event) tellEvent(event);
    if (now === 'failed') {
      showStatus(t('output_failed', { what: t(what), reason: outputs.reason }));
    } else if (now === 'starting' || now === 'stopping') {
      showStatus(t(`output_${now}`, { what: t(what) }));
    }
  }
}

// The webhooks' names for what the badges show: started once live; a live
// stream's stop (stopped or failed). A recording's end is recording.ready on
// the server, after its assembly, which the page does not see.
function outputEvent(what, now, before) {
  const name = what === 'live_stream' ? 'livestream' : 'recording';
  if (now === 'live') return `${name}.started`;
  if (name === 'livestream' && before && before !== 'stopped' && before !== 'failed'
      && (now === 'stopped' || now === 'failed' || !now)) return 'livestream.stopped';
  return null;
}

function showMuted({ participant_id: id, muted, by, source }) {
  setScreenShown(id, source, !muted);
  if (isMe(id) && muted && by !== id && source === 'microphone') {
    setOwnMuted('microphone', true);
    if (local) for (const track of local.getAudioTracks()) track.enabled = false;
    if (state.maySpeak) showStatus(t('status_muted')); // else the mode said why
  }
}

// --- who may speak: the mute mode, raised hands ----------------------------------

// The node says who may speak in the new mode (a new mode starts with nobody
// let speak in q&a, and moderators always may): the page only shows it.
function showMuteMode({ mode, may_speak: maySpeak, speakers }) {
  state.muteMode = mode;
  for (const person of state.people.values()) {
    person.maySpeak = speakers.includes(person.info.participant_id);
    renderPerson(person);
  }
  setMaySpeak(maySpeak);
  showStatus(t(`status_${mode}`));
}

function setMaySpeak(maySpeak) {
  state.maySpeak = maySpeak;
  if (!maySpeak) setOwnMuted('microphone', true);
  renderControls();
}

function showMaySpeak({ participant_id: id, allowed }) {
  const person = state.people.get(id);
  if (person) {
    person.maySpeak = allowed;
    renderPerson(person);
  }
  if (!isMe(id)) return;
  setMaySpeak(allowed);
  if (allowed) setHand(false);
  showStatus(t(allowed ? 'status_may_speak' : 'status_may_not_speak'));
}

function showHand({ participant_id: id, raised }) {
  const person = state.people.get(id);
  if (person) {
    person.handRaised = raised;
    renderPerson(person);
  }
  if (isMe(id)) setHand(raised, false);
}

function setHand(raised, tell = true) {
  state.handRaised = raised;
  renderControls();
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
      // lost_node: the web checks the node we lost at once and, when it is
      // gone, places the meeting on another (a node's death, found in a second).
      const rejoin = config.pass ? {} : { rejoin_token: ticket.token };
      connect(await requestTicket({ ...rejoin, lost_node: true }));
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
  state.finished = true;
  for (const track of local ? local.getTracks() : []) track.stop();
  if (state.sharing) for (const track of state.sharing.getTracks()) track.stop();
  $('room').hidden = true;
  $('prejoin').hidden = true;
  $('ended').hidden = false;
  const byCode = { 4010: 'ended_locked', 4029: 'ended_full' }[code];
  $('ended-text').textContent = t(byCode || `ended_${reason}`);
  tellParent('vivomeetingsLeaveCallEvent', { reason });
  tellEvent('participant.left', { participant_id: ticket ? ticket.participant_id : undefined,
    me: true, reason });
  if (reason === 'ended') tellEvent('meeting.ended', { reason: 'moderator' });
  // The host's own after_call_url (given to /auth) wins over the company's.
  const afterCall = (ticket && ticket.after_call_url) || config.after_call_url;
  if (afterCall) window.location.assign(afterCall);
}

// --- controls ----------------------------------------------------------------

// Mute or unmute our own microphone or camera; the node hears of it once we
// are in (onJoined tells it what the buttons say).
function setOwnMuted(source, muted) {
  state.muted[source] = muted;
  if (client && client.me) client.setMuted(source, muted);
  renderControls();
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
  renderControls();
}

function stopSharing(tellNode = true) {
  if (!state.sharing) return;
  for (const track of state.sharing.getTracks()) track.stop();
  state.sharing = null;
  if (tellNode) {
    client.replaceTrack('screen', null);
    client.setMuted('screen', true);
  }
  renderControls();
}

async function switchDevice(kind, deviceId) {
  local = await chooseDevice(local, kind, deviceId);
  $('preview').srcObject = local;
  if (!client || !client.me) return;
  const track = kind === 'audio' ? local.getAudioTracks()[0] : local.getVideoTracks()[0];
  // Our own outgoing track: the page picked the device, so it knows which of
  // its sources the track is; nothing the node decides.
  const source = kind === 'audio' ? 'microphone' : 'camera';
  track.enabled = !state.muted[source];
  await client.replaceTrack(source, track);
  const mine = state.people.get(client.me.participant_id);
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
  // A click while the page says we may not speak still asks the node, which
  // answers why not (a button is no safeguard against a tampered page).
  $('mic').addEventListener('click', () => setOwnMuted('microphone', !state.muted.microphone));
  $('camera').addEventListener('click', () => setOwnMuted('camera', !state.muted.camera));
  $('screen').addEventListener('click', () => (state.sharing ? stopSharing() : shareScreen()));
  $('hand').addEventListener('click', () => setHand(!state.handRaised));
  $('devices').addEventListener('click', () => $('device-dialog').showModal());
  $('leave').addEventListener('click', () => client.leave());
  $('mute-all').addEventListener('click', () => moderate('mute_all'));
  $('mute-mode').addEventListener('change', (event) => moderate('mute_mode', {
    mode: event.target.value,
  }));
  $('lock').addEventListener('click', () => moderate(state.locked ? 'unlock' : 'lock'));
  $('live').addEventListener('click',
    () => moderate(state.outputs.live ? 'stop_live' : 'start_live'));
  $('record').addEventListener('click',
    () => moderate(state.outputs.recording ? 'stop_recording' : 'start_recording'));
  $('end').addEventListener('click', () => moderate('end'));
  for (const [selector, kind] of [['.camera-select', 'video'], ['.microphone-select', 'audio']]) {
    for (const select of document.querySelectorAll(selector)) {
      select.addEventListener('change', (event) => switchDevice(kind, event.target.value));
    }
  }
}

setLanguage(config.language);
if (config.display_name || config.autojoin) $('display-name').value = config.display_name || t('guest');
wire();
renderControls();
const devicesReady = preview();
devicesReady.then(() => {
  if (config.autojoin) $('join-form').requestSubmit();
});
