// The meeting page's words, per language (the `lang` URL parameter or the
// company's default). Elements name their text with data-i18n (textContent)
// or data-i18n-label (aria-label); scripts call t(key, {name}).

const WORDS = {
  en: {
    your_name: 'Your name', camera: 'Camera', microphone: 'Microphone',
    meeting_pin: 'Meeting PIN', have_moderator_pin: 'I have a moderator PIN',
    moderator_pin: 'Moderator PIN', join: 'Join', people: 'People', chat: 'Chat',
    chat_message: 'Message', send: 'Send', mute: 'Mute', unmute: 'Unmute',
    stop_video: 'Stop video', start_video: 'Start video', share_screen: 'Share screen',
    stop_sharing: 'Stop sharing', raise_hand: 'Raise hand', lower_hand: 'Lower hand',
    devices: 'Devices', mute_all: 'Mute all', mute_mode: 'Who may speak',
    mode_conversation: 'Conversation', mode_presentation: 'Presentation', mode_qa: 'Q&A',
    lock: 'Lock', unlock: 'Unlock', end_for_all: 'End for all', leave: 'Leave',
    close: 'Close', remove: 'Remove', allow_speak: 'Let speak', revoke_speak: 'Stop',
    hand_raised: 'Hand raised', screen_of: "{name}'s screen", guest: 'Guest',
    status_locked: 'The meeting is locked.', status_unlocked: 'The meeting is open.',
    status_muted: 'A moderator muted you.',
    status_presentation: 'Presentation: only moderators may speak.',
    status_qa: 'Q&A: raise your hand to ask to speak.',
    status_conversation: 'Conversation: everyone may speak.',
    status_may_speak: 'A moderator lets you speak: unmute when you are ready.',
    status_may_not_speak: 'A moderator muted you.',
    status_reconnecting: 'Connection lost: reconnecting…', status_reconnected: 'Reconnected.',
    status_no_devices: 'Camera or microphone unavailable: {message}',
    status_no_screen: 'Screen sharing is unavailable: {message}',
    ended_left: 'You left the meeting.', ended_ended: 'The meeting has ended.',
    ended_kicked: 'You were removed from the meeting.',
    ended_timeout: 'The connection to the meeting was lost and could not be restored.',
    ended_error: 'The connection to the meeting was lost.',
    ended_locked: 'The meeting is locked.', ended_full: 'The meeting is full.',
  },
  de: {
    your_name: 'Ihr Name', camera: 'Kamera', microphone: 'Mikrofon',
    meeting_pin: 'Meeting-PIN', have_moderator_pin: 'Ich habe eine Moderator-PIN',
    moderator_pin: 'Moderator-PIN', join: 'Beitreten', people: 'Teilnehmende', chat: 'Chat',
    chat_message: 'Nachricht', send: 'Senden', mute: 'Stumm', unmute: 'Stumm aus',
    stop_video: 'Video aus', start_video: 'Video an', share_screen: 'Bildschirm teilen',
    stop_sharing: 'Teilen beenden', raise_hand: 'Hand heben', lower_hand: 'Hand senken',
    devices: 'Geräte', mute_all: 'Alle stumm', mute_mode: 'Wer darf sprechen',
    mode_conversation: 'Gespräch', mode_presentation: 'Präsentation', mode_qa: 'Fragerunde',
    lock: 'Sperren', unlock: 'Entsperren', end_for_all: 'Für alle beenden',
    leave: 'Verlassen', close: 'Schließen', remove: 'Entfernen', allow_speak: 'Sprechen lassen',
    revoke_speak: 'Beenden', hand_raised: 'Hand gehoben', screen_of: 'Bildschirm von {name}',
    guest: 'Gast',
    status_locked: 'Das Meeting ist gesperrt.', status_unlocked: 'Das Meeting ist offen.',
    status_muted: 'Ein Moderator hat Sie stummgeschaltet.',
    status_presentation: 'Präsentation: nur Moderatoren dürfen sprechen.',
    status_qa: 'Fragerunde: heben Sie die Hand, um sprechen zu dürfen.',
    status_conversation: 'Gespräch: alle dürfen sprechen.',
    status_may_speak: 'Sie dürfen sprechen: schalten Sie das Mikrofon ein, wenn Sie bereit sind.',
    status_may_not_speak: 'Ein Moderator hat Sie stummgeschaltet.',
    status_reconnecting: 'Verbindung verloren: neu verbinden…',
    status_reconnected: 'Wieder verbunden.',
    status_no_devices: 'Kamera oder Mikrofon nicht verfügbar: {message}',
    status_no_screen: 'Bildschirmfreigabe nicht verfügbar: {message}',
    ended_left: 'Sie haben das Meeting verlassen.', ended_ended: 'Das Meeting ist beendet.',
    ended_kicked: 'Sie wurden aus dem Meeting entfernt.',
    ended_timeout: 'Die Verbindung zum Meeting ging verloren und ließ sich nicht wiederherstellen.',
    ended_error: 'Die Verbindung zum Meeting ging verloren.',
    ended_locked: 'Das Meeting ist gesperrt.', ended_full: 'Das Meeting ist voll.',
  },
  fr: {
    your_name: 'Votre nom', camera: 'Caméra', microphone: 'Micro',
    meeting_pin: 'Code PIN de la réunion', have_moderator_pin: "J'ai un code PIN de modérateur",
    moderator_pin: 'Code PIN de modérateur', join: 'Rejoindre', people: 'Participants',
    chat: 'Discussion', chat_message: 'Message', send: 'Envoyer', mute: 'Couper le micro',
    unmute: 'Activer le micro', stop_video: 'Arrêter la vidéo', start_video: 'Démarrer la vidéo',
    share_screen: "Partager l'écran", stop_sharing: 'Arrêter le partage',
    raise_hand: 'Lever la main', lower_hand: 'Baisser la main', devices: 'Périphériques',
    mute_all: 'Couper tous les micros', mute_mode: 'Qui peut parler',
    mode_conversation: 'Conversation', mode_presentation: 'Présentation',
    mode_qa: 'Questions-réponses', lock: 'Verrouiller', unlock: 'Déverrouiller',
    end_for_all: 'Terminer pour tous', leave: 'Quitter', close: 'Fermer', remove: 'Retirer',
    allow_speak: 'Donner la parole', revoke_speak: 'Retirer la parole',
    hand_raised: 'Main levée', screen_of: 'Écran de {name}', guest: 'Invité',
    status_locked: 'La réunion est verrouillée.', status_unlocked: 'La réunion est ouverte.',
    status_muted: 'Un modérateur a coupé votre micro.',
    status_presentation: 'Présentation : seuls les modérateurs peuvent parler.',
    status_qa: 'Questions-réponses : levez la main pour demander la parole.',
    status_conversation: 'Conversation : tout le monde peut parler.',
    status_may_speak: 'Vous avez la parole : activez votre micro quand vous êtes prêt.',
    status_may_not_speak: 'Un modérateur a coupé votre micro.',
    status_reconnecting: 'Connexion perdue : reconnexion…', status_reconnected: 'Reconnecté.',
    status_no_devices: 'Caméra ou micro indisponible : {message}',
    status_no_screen: "Partage d'écran indisponible : {message}",
    ended_left: 'Vous avez quitté la réunion.', ended_ended: 'La réunion est terminée.',
    ended_kicked: 'Vous avez été retiré de la réunion.',
    ended_timeout: "La connexion à la réunion a été perdue et n'a pas pu être rétablie.",
    ended_error: 'La connexion à la réunion a été perdue.',
    ended_locked: 'La réunion est verrouillée.', ended_full: 'La réunion est complète.',
  },
  es: {
    your_name: 'Su nombre', camera: 'Cámara', microphone: 'Micrófono',
    meeting_pin: 'PIN de la reunión', have_moderator_pin: 'Tengo un PIN de moderador',
    moderator_pin: 'PIN de moderador', join: 'Unirse', people: 'Participantes', chat: 'Chat',
    chat_message: 'Mensaje', send: 'Enviar', mute: 'Silenciar', unmute: 'Activar audio',
    stop_video: 'Detener vídeo', start_video: 'Iniciar vídeo',
    share_screen: 'Compartir pantalla', stop_sharing: 'Dejar de compartir',
    raise_hand: 'Levantar la mano', lower_hand: 'Bajar la mano', devices: 'Dispositivos',
    mute_all: 'Silenciar a todos', mute_mode: 'Quién puede hablar',
    mode_conversation: 'Conversación', mode_presentation: 'Presentación',
    mode_qa: 'Preguntas y respuestas', lock: 'Bloquear', unlock: 'Desbloquear',
    end_for_all: 'Finalizar para todos', leave: 'Salir', close: 'Cerrar', remove: 'Expulsar',
    allow_speak: 'Dar la palabra', revoke_speak: 'Quitar la palabra',
    hand_raised: 'Mano levantada', screen_of: 'Pantalla de {name}', guest: 'Invitado',
    status_locked: 'La reunión está bloqueada.', status_unlocked: 'La reunión está abierta.',
    status_muted: 'Un moderador le ha silenciado.',
    status_presentation: 'Presentación: solo los moderadores pueden hablar.',
    status_qa: 'Preguntas y respuestas: levante la mano para pedir la palabra.',
    status_conversation: 'Conversación: todos pueden hablar.',
    status_may_speak: 'Tiene la palabra: active el micrófono cuando esté listo.',
    status_may_not_speak: 'Un moderador le ha silenciado.',
    status_reconnecting: 'Conexión perdida: reconectando…', status_reconnected: 'Reconectado.',
    status_no_devices: 'Cámara o micrófono no disponibles: {message}',
    status_no_screen: 'Compartir pantalla no está disponible: {message}',
    ended_left: 'Ha salido de la reunión.', ended_ended: 'La reunión ha finalizado.',
    ended_kicked: 'Ha sido expulsado de la reunión.',
    ended_timeout: 'Se perdió la conexión con la reunión y no se pudo restablecer.',
    ended_error: 'Se perdió la conexión con la reunión.',
    ended_locked: 'La reunión está bloqueada.', ended_full: 'La reunión está llena.',
  },
};

export const LANGUAGES = Object.keys(WORDS);
let words = WORDS.en;

export function setLanguage(language) {
  words = WORDS[language] || WORDS.en;
  for (const element of document.querySelectorAll('[data-i18n]')) {
    element.textContent = t(element.dataset.i18n);
  }
  for (const element of document.querySelectorAll('[data-i18n-label]')) {
    element.setAttribute('aria-label', t(element.dataset.i18nLabel));
  }
}

export function t(key, values = {}) {
  const text = words[key] ?? WORDS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ''));
}
