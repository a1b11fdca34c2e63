// A media node client written from docs/signalling.md: one WebSocket, one
// RTCPeerConnection; the node always offers and this client answers.

const CLOSE_REASONS = { 1000: 'left', 4004: 'ended', 4008: 'kicked' };
const PING_SECONDS = 5;
const SILENCE_SECONDS = 15; // no message for this long: the connection is lost

export class NodeClient extends EventTarget {
  constructor(ticket, localStream) {
    super();
    this.ticket = ticket;
    this.local = localStream;
    this.tracks = new Map(); // mid -> {track_id, participant_id, source, kind}
    this.outgoing = { microphone: null, camera: null, screen: null }; // source -> track
    this.pc = new RTCPeerConnection({
      iceServers: ticket.ice_servers.map((urls) => ({ urls })),
      bundlePolicy: 'max-bundle',
    });
    this.pc.ontrack = (event) => this.#onTrack(event);
    this.pc.onicecandidate = ({ candidate }) => this.send({
      type: 'candidate',
      candidate: candidate ? candidate.candidate : '',
      sdp_mid: candidate ? candidate.sdpMid : null,
      sdp_mline_index: candidate ? candidate.sdpMLineIndex : null,
    });
    this.pc.onconnectionstatechange = () => {
      if (this.pc.connectionState === 'failed') this.#lost(1006);
    };
    this.queue = Promise.resolve(); // offers are answered one at a time
    this.closed = false;
  }

  connect() {
    // What we send: the page's own devices, by the kind of each track.
    this.outgoing.microphone = this.local.getAudioTracks()[0] || null;
    this.outgoing.camera = this.local.getVideoTracks()[0] || null;
    this.ws = new WebSocket(this.ticket.node_url);
    this.ws.onopen = () => this.send({ type: 'join', token: this.ticket.token });
    this.ws.onmessage = (event) => {
      this.heardAt = Date.now();
      const message = JSON.parse(event.data);
      this.queue = this.queue.then(() => this.#handle(message)).catch((error) => {
        console.error('signalling', error);
        this.ws.close();
      });
    };
    this.ws.onclose = (event) => this.#finish(event.code);
    this.heardAt = Date.now();
    this.pinger = setInterval(() => this.#ping(), PING_SECONDS * 1000);
  }

  send(message) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  leave() {
    this.send({ type: 'leave' });
  }

  // Our own track's id is ours to name: docs/signalling.md defines it as
  // `<participant_id>:<source>`, and a track not published yet has no other.
  setMuted(source, muted) {
    const track = this.outgoing[source];
    if (track) track.enabled = !muted;
    this.send({ type: 'set_muted', track_id: `${this.me.participant_id}:${source}`, muted });
  }

  raiseHand(raised) {
    this.send({ type: 'raise_hand', raised });
  }

  /** Send ``track`` (or nothing, when null) as ``source``: a new camera or
   * microphone, or a screen. The node keeps the stream: subscribers see one. */
  async replaceTrack(source, track) {
    this.outgoing[source] = track;
    const transceiver = this.#publishTransceiver(source);
    if (transceiver) {
      await transceiver.sender.replaceTrack(track);
    } else if (track && source === 'screen') {
      this.send({ type: 'publish', source }); // a slot comes in the next offer
    }
  }

  #publishTransceiver(source) {
    const slots = this.publishSlots || {};
    return this.pc.getTransceivers().find((t) => slots[t.mid] === source) || null;
  }

  #ping() {
    if (Date.now() - this.heardAt > SILENCE_SECONDS * 1000) this.#lost(1006);
    else this.send({ type: 'ping' });
  }

  // The connection died without a close frame (network loss, node crash).
  #lost(code) {
    if (this.closed) return;
    this.ws.onclose = null;
    this.ws.close();
    this.#finish(code);
  }

  #finish(code) {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.pinger);
    this.pc.close();
    const reason = CLOSE_REASONS[code] || 'error';
    this.dispatchEvent(new CustomEvent('closed', { detail: { code, reason } }));
  }

  async #handle(message) {
    if (message.type === 'joined') this.me = message.me;
    if (message.type === 'offer') await this.#answer(message);
    this.dispatchEvent(new CustomEvent(message.type, { detail: message }));
  }

  async #answer(offer) {
    // ontrack fires inside setRemoteDescription: know what each mid carries first.
    for (const info of offer.tracks) this.tracks.set(info.mid, info);
    this.publishSlots = offer.publish_slots;
    await this.pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
    for (const transceiver of this.pc.getTransceivers()) {
      const source = offer.publish_slots[transceiver.mid];
      const track = source ? this.outgoing[source] : null;
      if (!track || transceiver.sender.track) continue;
      await transceiver.sender.replaceTrack(track);
      transceiver.direction = 'sendonly';
    }
    await this.pc.setLocalDescription(await this.pc.createAnswer());
    this.send({ type: 'answer', sdp: this.pc.localDescription.sdp });
  }

  #onTrack({ transceiver, track }) {
    const info = this.tracks.get(transceiver.mid);
    if (info) this.dispatchEvent(new CustomEvent('track', { detail: { info, track } }));
  }
}
