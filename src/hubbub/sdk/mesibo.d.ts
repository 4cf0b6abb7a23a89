// TypeScript declarations for the Hubbub browser SDK (/sdk/mesibo.js): the mesibo JavaScript API.
// The script is a classic script; these are the globals it defines.

// ----- connection status (MESIBO_STATUS_*) -----
declare const MESIBO_STATUS_UNKNOWN: 0;
declare const MESIBO_STATUS_ONLINE: 1;
declare const MESIBO_STATUS_OFFLINE: 2;
declare const MESIBO_STATUS_SIGNOUT: 3;
declare const MESIBO_STATUS_AUTHFAIL: 4;
declare const MESIBO_STATUS_STOPPED: 5;
declare const MESIBO_STATUS_CONNECTING: 6;
declare const MESIBO_STATUS_CONNECTFAILURE: 7;
declare const MESIBO_STATUS_NONETWORK: 8;
declare const MESIBO_STATUS_ONPREMISEERROR: 9;
declare const MESIBO_STATUS_SUSPEND: 10;
declare const MESIBO_STATUS_UPDATE: 20;
declare const MESIBO_STATUS_MANDUPDATE: 21;
declare const MESIBO_STATUS_SHUTDOWN: 22;

// ----- message status (MESIBO_MSGSTATUS_*); above 0x7F is a failure -----
declare const MESIBO_MSGSTATUS_OUTBOX: 0;
declare const MESIBO_MSGSTATUS_SENT: 1;
declare const MESIBO_MSGSTATUS_DELIVERED: 2;
declare const MESIBO_MSGSTATUS_READ: 3;
declare const MESIBO_MSGSTATUS_RECEIVEDNEW: 0x12;
declare const MESIBO_MSGSTATUS_RECEIVEDREAD: 0x13;
declare const MESIBO_MSGSTATUS_CALLMISSED: 0x15;
declare const MESIBO_MSGSTATUS_CALLINCOMING: 0x16;
declare const MESIBO_MSGSTATUS_CALLOUTGOING: 0x17;
declare const MESIBO_MSGSTATUS_CUSTOM: 0x20;
declare const MESIBO_MSGSTATUS_DELETED: 0x21;
declare const MESIBO_MSGSTATUS_WIPED: 0x22;
declare const MESIBO_MSGSTATUS_FAIL: 0x80;
declare const MESIBO_MSGSTATUS_USEROFFLINE: 0x81;
declare const MESIBO_MSGSTATUS_INBOXFULL: 0x82;
declare const MESIBO_MSGSTATUS_INVALIDDEST: 0x83;
declare const MESIBO_MSGSTATUS_EXPIRED: 0x84;
declare const MESIBO_MSGSTATUS_BLOCKED: 0x88;
declare const MESIBO_MSGSTATUS_GROUPPAUSED: 0x90;
declare const MESIBO_MSGSTATUS_NOTMEMBER: 0x91;

// ----- message flags (MESIBO_FLAG_*) -----
declare const MESIBO_FLAG_DELIVERYRECEIPT: 0x1;
declare const MESIBO_FLAG_READRECEIPT: 0x2;
declare const MESIBO_FLAG_TRANSIENT: 0x4;
declare const MESIBO_FLAG_PRESENCE: 0x8;
declare const MESIBO_FLAG_DEFAULT: 0x3;
declare const MESIBO_FLAG_FORWARDED: 0x40;

// ----- presence activity (MESIBO_ACTIVITY_*) -----
declare const MESIBO_ACTIVITY_ONLINE: 1;
declare const MESIBO_ACTIVITY_ONLINERESP: 2;
declare const MESIBO_ACTIVITY_TYPING: 3;
declare const MESIBO_ACTIVITY_TYPINGCLEARED: 4;
declare const MESIBO_ACTIVITY_JOINED: 10;
declare const MESIBO_ACTIVITY_LEFT: 11;

// ----- call status (MESIBO_CALLSTATUS_*); 0x40 and above end a call -----
declare const MESIBO_CALLSTATUS_INCOMING: 1;
declare const MESIBO_CALLSTATUS_INPROGRESS: 2;
declare const MESIBO_CALLSTATUS_RINGING: 3;
declare const MESIBO_CALLSTATUS_ANSWER: 5;
declare const MESIBO_CALLSTATUS_UPDATE: 6;
declare const MESIBO_CALLSTATUS_DTMF: 7;
declare const MESIBO_CALLSTATUS_SDP: 8;
declare const MESIBO_CALLSTATUS_MUTE: 9;
declare const MESIBO_CALLSTATUS_UNMUTE: 0xa;
declare const MESIBO_CALLSTATUS_HOLD: 0xb;
declare const MESIBO_CALLSTATUS_UNHOLD: 0xc;
declare const MESIBO_CALLSTATUS_CONNECTED: 0x30;
declare const MESIBO_CALLSTATUS_QUALITY: 0x31;
declare const MESIBO_CALLSTATUS_RECONNECTING: 0x32;
declare const MESIBO_CALLSTATUS_COMPLETE: 0x40;
declare const MESIBO_CALLSTATUS_CANCEL: 0x41;
declare const MESIBO_CALLSTATUS_NOANSWER: 0x42;
declare const MESIBO_CALLSTATUS_BUSY: 0x43;
declare const MESIBO_CALLSTATUS_UNREACHABLE: 0x44;
declare const MESIBO_CALLSTATUS_OFFLINE: 0x45;
declare const MESIBO_CALLSTATUS_INVALIDDEST: 0x46;
declare const MESIBO_CALLSTATUS_INVALIDSTATE: 0x47;
declare const MESIBO_CALLSTATUS_NOTALLOWED: 0x4a;
declare const MESIBO_CALLSTATUS_BLOCKED: 0x4b;
declare const MESIBO_CALLSTATUS_DURATIONEXCEEDED: 0x4c;
declare const MESIBO_CALLSTATUS_AUTHFAIL: 0x50;
declare const MESIBO_CALLSTATUS_ERROR: 0x60;
declare const MESIBO_CALLSTATUS_HWERROR: 0x61;
declare const MESIBO_CALLSTATUS_NETWORKERROR: 0x62;

// ----- file types (MESIBO_FILETYPE_*) -----
declare const MESIBO_FILETYPE_AUTO: 0;
declare const MESIBO_FILETYPE_IMAGE: 1;
declare const MESIBO_FILETYPE_VIDEO: 2;
declare const MESIBO_FILETYPE_AUDIO: 3;
declare const MESIBO_FILETYPE_LOCATION: 4;
declare const MESIBO_FILETYPE_PROFILEIMAGE: 5;
declare const MESIBO_FILETYPE_OTHER: 10;

// ----- group member flags (MESIBO_MEMBERFLAG_*) -----
declare const MESIBO_MEMBERFLAG_SEND: 1;
declare const MESIBO_MEMBERFLAG_RECV: 2;
declare const MESIBO_MEMBERFLAG_PUBL: 4;
declare const MESIBO_MEMBERFLAG_SUBS: 8;
declare const MESIBO_MEMBERFLAG_LIST: 0x10;
declare const MESIBO_MEMBERFLAG_ALL: 0x1f;
declare const MESIBO_MEMBERFLAG_ADMIN: 0x1000;

declare const MESIBO_RESULT_OK: 0;
declare const MESIBO_RESULT_FAIL: 0x80;

declare const MESIBO_FILETYPE_PROFILETHUMBNAIL: 6;
declare const MESIBO_FILESOURCE_MESSAGE: 0;
declare const MESIBO_FILESOURCE_PROFILE: 1;
declare const MESIBO_FILESOURCE_GROUPPROFILE: 2;
declare const MESIBO_FILESTATUS_IDLE: 0;
declare const MESIBO_FILESTATUS_INPROGRESS: 1;
declare const MESIBO_FILESTATUS_RETRYLATER: 2;
declare const MESIBO_FILESTATUS_FAILED: 3;
declare const MESIBO_FILEMODE_DOWNLOAD: 0;
declare const MESIBO_FILEMODE_UPLOAD: 1;

/** The file object of the protocol: what a message carries for a file (docs/protocol.md). */
interface MesiboFile {
  /** a file stored on the server (SHA-256 hex); absent for a link to `url` */
  id?: string;
  url?: string;
  /** MESIBO_FILETYPE_* */
  type?: number;
  size?: number;
  name?: string;
  mime?: string;
  /** a data: URL */
  thumb?: string;
  width?: number;
  height?: number;
}

/** `m.file`: on every message (empty without a file). */
interface MesiboFileView {
  /** live: a stored file's signed URL (renewed as it ages), else the link; '' without a file */
  readonly url: string;
  id: string;
  name: string;
  size: number;
  /** MESIBO_FILETYPE_* */
  type: number;
  mimeType: string;
  width: number;
  height: number;
  thumbnail: string;
  path: string;
  /** 0..100 while uploading or downloading */
  progress: number;
  /** MESIBO_FILESTATUS_* */
  status: number;
  /** MESIBO_FILEMODE_* of the transfer in progress */
  mode?: number;
  source: number;
  message?: MesiboMessage;
  /** Sets img.src to the file's URL (waits for a signed URL when there is none yet). */
  loadImageFromCache(img: HTMLImageElement, cb?: (img: HTMLImageElement, ok: boolean) => void): void;
}

/** A profile picture (never null; isEmpty() without one). */
interface MesiboProfileImage {
  getThumbnail(): string;
  getImage(): string;
  getImageOrThumbnail(): string;
  getUrl(): string;
  getNext(): MesiboProfileImage | null;
  getPrevious(): MesiboProfileImage | null;
  getIndex(): number;
  isEmpty(): boolean;
  getProfile(): MesiboProfile;
}

/** Methods the SDK calls on a listener (all optional). Older "Mesibo_On..." spellings are called when the "on" one is missing. */
interface MesiboListener {
  Mesibo_onConnectionStatus?(status: number, value: number): void;
  /** Incoming messages, own messages sent from other tabs/devices, and messages read from the store. */
  Mesibo_onMessage?(m: MesiboMessage): void;
  Mesibo_onMessageStatus?(m: MesiboMessage): void;
  Mesibo_onMessageUpdate?(m: MesiboMessage): void;
  Mesibo_onPresence?(p: MesiboPresence): void;
  Mesibo_onSync?(count: number): void;
  Mesibo_onCall?(callid: number, from: string, video: boolean): void;
  Mesibo_onCallStatus?(callid: number, status: number): void;
  Mesibo_onProfileUpdated?(profile: MesiboProfile): void;
  /** Upload and download progress of a file (file.progress 0..100, file.mode, file.status, file.message). */
  Mesibo_onFileTransferProgress?(file: MesiboFileView): void;
  /** save() of the own profile finished. */
  MesiboProfile_onPublish?(profile: MesiboProfile, ok: boolean): void;
  Mesibo_onGroupMembers?(profile: MesiboProfile, members: MesiboGroupMember[]): void;
  /** Called in every tab when any tab sets a user object. */
  MesiboJS_onUserObject?(name: string, obj: unknown): void;
  /** Hubbub addition: this tab took or gave up the connection. */
  MesiboJS_onLeader?(isLeader: boolean): void;
  // legacy spellings
  Mesibo_OnConnectionStatus?(status: number, value: number): void;
  Mesibo_OnMessage?(m: MesiboMessage, data: Uint8Array): void;
  Mesibo_OnMessageStatus?(m: MesiboMessage): void;
  Mesibo_OnCall?(callid: number, from: string, video: boolean): void;
  Mesibo_OnCallStatus?(callid: number, status: number): void;
}

/** Parameters of the older api.sendMessage(params, id, text). */
interface MesiboMessageParams {
  peer?: string;
  groupid?: number;
  /** seconds; 0 = deliver only to users online now */
  expiry?: number;
  /** MESIBO_FLAG_*; default MESIBO_FLAG_DEFAULT */
  flag?: number;
  title?: string;
  type?: number;
  file?: MesiboFile | File | string;
  fileurl?: string;
}

declare class MesiboMessage {
  /** The sender's id for messages this user sent (the id given to send), else the server's mid. */
  id: number;
  /** The server's message id (0 until sent). */
  mid: number;
  /** The client id sent to the server (String(id), or "id.n" for the n-th resend). */
  cid: string | null;
  peer: string;
  /** Sender address (for group messages: the member who sent it). */
  from: string;
  groupid: number;
  message: string;
  title: string;
  /** MESIBO_MSGSTATUS_* */
  status: number;
  /** ms since the epoch */
  ts: number;
  expiry?: number;
  flag: number;
  type: number;
  file: MesiboFileView;
  readonly fileurl: string;
  /** null on a message without a file */
  filetype: number | null;
  size: number;
  filename: string;
  isIncoming(): boolean;
  isOutgoing(): boolean;
  isGroupMessage(): boolean;
  isRealtimeMessage(): boolean;
  isDbMessage(): boolean;
  isLastMessage(): boolean;
  isFailed(): boolean;
  isReadByPeer(): boolean;
  isDelivered(): boolean;
  isDeleted(): boolean;
  isModified(): boolean;
  isForwarded(): boolean;
  isCall(): boolean;
  isMissedCall(): boolean;
  isIncomingCall(): boolean;
  isOutgoingCall(): boolean;
  isVideoCall(): boolean;
  isVoiceCall(): boolean;
  getCallDuration(): number;
  isMessage(): boolean;
  hasFile(): boolean;
  hasImage(): boolean;
  hasVideo(): boolean;
  hasAudio(): boolean;
  hasLocation(): boolean;
  hasDocument(): boolean;
  hasThumbnail(): boolean;
  /** a data: URL, '' when none */
  getThumbnail(): string;
  getFileName(): string;
  getFileSize(): number;
  getFileType(): number | null;
  getMimeType(): string;
  getFileUrl(): string;
  isRichMessage(): boolean;
  setContentType(type: number): void;
  getTimestamp(): number;
  getDeliveryTimestamp(peer?: string | ((ts: number) => void), cb?: (ts: number) => void): number;
  getReadTimestamp(peer?: string | ((ts: number) => void), cb?: (ts: number) => void): number;
  getProfile(): MesiboProfile;
  getSenderProfile(): MesiboProfile;
  /** A File/Blob, an <input type=file> id, a URL, or a protocol file object. */
  setContent(content: File | Blob | string | MesiboFile): void;
  send(): number;
  resend(): number;
  forward(to: string | number | MesiboProfile): MesiboMessage;
  delete(): Promise<object>;
  wipeAndRecall(): Promise<object>;
  /** Hubbub addition: edit the text of an own message. */
  edit(text: string): Promise<object>;
}

declare class MesiboPresence {
  peer: string;
  groupid: number;
  /** MESIBO_ACTIVITY_* (0 = offline) */
  activity: number;
  ts: number;
  isTyping(): boolean;
  isTypingCleared(): boolean;
  isOnline(): boolean;
  isOffline(): boolean;
  hasJoined(): boolean;
  hasLeft(): boolean;
  isGroupMessage(): boolean;
  getProfile(): MesiboProfile;
  getGroupProfile(): MesiboProfile | null;
}

declare class MesiboGroupMember {
  address: string;
  flags: number;
  admin: boolean;
  getAddress(): string;
  getProfile(): MesiboProfile;
  isAdmin(): boolean;
  getFlags(): number;
}

declare class MesiboProfile {
  address: string;
  groupid: number;
  name: string;
  status: string;
  picture: string;
  getAddress(): string;
  getGroupId(): number;
  isGroup(): boolean;
  isSelfProfile(): boolean;
  getName(): string;
  getNameOrAddress(): string;
  getStatus(): string;
  getString(key: string): string;
  getImage(index?: number): MesiboProfileImage;
  getThumbnail(): string;
  getImageOrThumbnail(): string;
  getLastSeen(): number;
  isOnline(): boolean;
  isTyping(): boolean;
  isBlocked(): boolean;
  isSubscribed(): boolean;
  setName(name: string): void;
  setStatus(status: string): void;
  setString(key: string, value: string): void;
  /** A File/Blob, an <input type=file> id, or a URL; published (uploaded first) by save(). */
  setImage(urlOrElementIdOrFile: string | File | Blob, index?: number): void;
  setContact(on?: boolean): void;
  save(): Promise<object>;
  subscribe(on?: boolean): Promise<object>;
  block(on?: boolean): Promise<object>;
  newMessage(): MesiboMessage;
  sendMessage(id: number, text: string): number;
  sendFile(id: number, opts: { message?: string; title?: string; file?: File | MesiboFile; fileurl?: string; filetype?: number }): number;
  sendTyping(): void;
  sendTypingCleared(): void;
  sendJoined(): void;
  sendLeft(): void;
  sendOnline(): void;
  createReadSession(listener: MesiboListener): MesiboReadSession;
  readDbSession(query: object | ((list: MesiboMessage[]) => void), cb?: (list: MesiboMessage[]) => void): number;
  getGroupProfile(): MesiboProfile | null;
  addMembers(addresses: string[] | string, flags?: number, adminFlags?: number): Promise<object>;
  removeMembers(addresses: string[] | string): Promise<object>;
  getMembers(count: number, restart: boolean, listener?: MesiboListener): Promise<MesiboGroupMember[]>;
  leave(): Promise<object>;
  deleteGroup(): Promise<object>;
}

declare class MesiboReadSession {
  /** A session over the latest message of every conversation (the chat list). */
  static createReadSummarySession(listener: MesiboListener): MesiboReadSession;
  enableReadReceipt(on: boolean): void;
  isReadReceiptEnabled(): boolean;
  /** Delivers up to n stored messages (newest first) to Mesibo_onMessage; returns how many. */
  read(n: number): number;
  /** Fetches up to k older messages from the server; then Mesibo_onSync(count). */
  sync(k: number): void;
  stop(): void;
}

declare class Mesibo {
  constructor();
  /** One shared instance. */
  static getInstance(): Mesibo;
  setAppName(appid: string): void;
  setAccessToken(token: string): void;
  setCredentials(token: string): void;
  setListener(listener: MesiboListener): void;
  addListener(listener: MesiboListener): void;
  removeListener(listener: MesiboListener): void;
  setDatabase(name: string, cb?: (ok: boolean) => void): void;
  /** Before start() only; after start() it has no effect and warns in the console. */
  enableCrossTabSessions(enable: boolean): void;
  /** Hubbub addition: ws(s)://host/ws, or http(s)://host (then /ws). Default: the server this script came from. */
  setServer(url: string): void;
  getServer(): string;
  /** Hubbub addition: desktop notifications, shown once (not once per tab) while no tab is visible. */
  enableNotifications(enable: boolean): void;
  /** Optional: the app uploads files itself and gives back a file object with its URL. */
  setUploadHandler(fn: (file: Blob, m: MesiboMessage) => Promise<MesiboFile>): void;
  /** Accepted for compatibility; the server stores files itself. */
  setUploadUrl(url: string, authToken?: string): void;
  /** Registers the app's service worker; a failure is ignored. */
  startServiceWorker(url: string): void;
  /** Hubbub addition: a message's file as a Blob, with progress. */
  downloadFile(m: MesiboMessage, onProgress?: (done: number, total: number) => void): Promise<Blob>;
  start(): number;
  stop(): void;
  getTabId(): number;
  /** Hubbub addition: true in the tab that holds the connection. */
  isConnectionOwner(): boolean;
  /** Hubbub addition: "weblocks" | "lease" | "solo" | "solo-fallback". */
  getSessionMode(): string;
  getConnectionStatus(): number;
  random(): number;
  setUserObject(name: string, obj: unknown): Promise<void>;
  getUserObject(name: string, cb?: (obj: any) => void): Promise<any>;
  getProfile(address: string, groupid?: number): MesiboProfile;
  getSelfProfile(): MesiboProfile;
  getSortedProfiles(): MesiboProfile[];
  createGroup(name: string, flags: number, cb?: (profile: MesiboProfile | null) => void): Promise<MesiboProfile | null>;
  createReadSummarySession(listener: MesiboListener): MesiboReadSession;
  sendMessage(params: MesiboMessageParams, id: number, text: string): number;
  forwardMessage(to: string | number | MesiboProfile, m: MesiboMessage): number;
  // 1-to-1 calls on WebRTC (docs/sdk.md, Calls); statuses come to Mesibo_onCallStatus
  setupVideoCall(localVideoId: string, remoteVideoId: string, enable: boolean): void;
  setupVoiceCall(audioId: string): void;
  call(address: string): number;
  videoCall(address: string): number;
  voiceCall(address: string): number;
  answer(video: boolean): number;
  hangup(callid: number): number;
  mute(audio: boolean, video: boolean, enable: boolean): number;
  toggleAudioMute(): boolean;
  toggleVideoMute(): boolean;
  /** Hubbub addition: the current call of this tab, or null. */
  getActiveCall(): MesiboActiveCall | null;
}

/** Hubbub addition: the call this tab rings with or owns. */
interface MesiboActiveCall {
  callid: number;
  peer: string;
  video: boolean;
  incoming: boolean;
  state: 'placing' | 'ringing' | 'answering' | 'answered' | 'ended';
  answer(): number;
  hangup(): number;
  stats(): Promise<{ bytesReceived: number; bytesSent: number; state: string } | null>;
}
