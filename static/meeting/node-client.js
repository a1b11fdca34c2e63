// A media node client written from docs/signalling.md: one WebSocket, one
// RTCPeerConnection; the node always offers and this client answers.

const CLOSE_REASONS = { 1000: 'left', 4004: 'ended', 4008: 'kicked' };

export class NodeClient extends EventTarget {
  constructor(ticket, localStream) {
    super();
    this.ticket = ticket;
    this.local = localStream;
    this.tracks = new Map(); // mid -> {track_id, participant_id, source, kind}
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
    this.queue = Promise.resolve(); // offers are answered one at a time
  }

  connect() {
    this.ws = new WebSocket(this.ticket.node_url);
    this.ws.onopen = () => this.send({ type: 'join', token: this.ticket.token });
    this.ws.onmessage = (event) => {
      const message = JSON.parse(event.data);
      this.queue = this.queue.then(() => this.#handle(message)).catch((error) => {
        console.error('signalling', error);
        this.ws.close();
      });
    };
    this.ws.onclose = (event) => {
      this.pc.close();
      const reason = CLOSE_REASONS[event.code] || 'error';
      this.dispatchEvent(new CustomEvent('closed', { detail: { code: event.code, reason } }));
    };
  }

  send(message) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  leave() {
    this.send({ type: 'leave' });
  }

  setMuted(source, muted) {
    const kind = source === 'microphone' ? 'audio' : 'video';
    for (const track of this.local.getTracks()) if (track.kind === kind) track.enabled = !muted;
    this.send({ type: 'set_muted', track_id: `${this.me.participant_id}:${source}`, muted });
  }

  async #handle(message) {
    if (message.type === 'joined') this.me = message.me;
    if (message.type === 'offer') await this.#answer(message);
    this.dispatchEvent(new CustomEvent(message.type, { detail: message }));
  }

  async #answer(offer) {
    // ontrack fires inside setRemoteDescription: know what each mid carries first.
    for (const info of offer.tracks) this.tracks.set(info.mid, info);
    await this.pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
    for (const transceiver of this.pc.getTransceivers()) {
      const source = offer.publish_slots[transceiver.mid];
      if (!source || transceiver.sender.track) continue;
      const track = source === 'microphone' ? this.local.getAudioTracks()[0]
        : source === 'camera' ? this.local.getVideoTracks()[0] : null;
      if (!track) continue;
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
