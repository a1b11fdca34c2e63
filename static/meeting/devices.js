// Cameras and microphones: open them, list them in the page's selects, and
// swap one for another (the new track replaces the old in the same stream).

const VIDEO = { width: 640, height: 480 };

export async function openDevices() {
  return navigator.mediaDevices.getUserMedia({ audio: true, video: VIDEO });
}

/** Fill every camera and microphone select, the ones in use selected. */
export async function listDevices(stream) {
  const devices = await navigator.mediaDevices.enumerateDevices();
  for (const [kind, selector] of [['videoinput', '.camera-select'],
    ['audioinput', '.microphone-select']]) {
    const track = stream.getTracks().find((t) => `${t.kind}input` === kind);
    const current = track ? track.getSettings().deviceId : '';
    for (const select of document.querySelectorAll(selector)) {
      select.replaceChildren(...devices.filter((d) => d.kind === kind).map((device, index) => {
        const option = new Option(device.label || `${kind} ${index + 1}`, device.deviceId);
        option.selected = device.deviceId === current;
        return option;
      }));
    }
  }
}

/** ``stream`` with its ``kind`` ('audio' or 'video') track taken from
 * ``deviceId`` instead; the old track is stopped. */
export async function chooseDevice(stream, kind, deviceId) {
  const constraints = kind === 'video'
    ? { video: { ...VIDEO, deviceId: { exact: deviceId } } }
    : { audio: { deviceId: { exact: deviceId } } };
  const [track] = (await navigator.mediaDevices.getUserMedia(constraints)).getTracks();
  const result = new MediaStream(stream.getTracks().filter((t) => t.kind !== kind));
  for (const old of stream.getTracks()) if (old.kind === kind) old.stop();
  result.addTrack(track);
  await listDevices(result);
  return result;
}
