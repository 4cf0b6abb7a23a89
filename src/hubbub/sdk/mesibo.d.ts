// TypeScript declarations for the Hubbub browser SDK (/sdk/mesibo.js): the mesibo JavaScript API.
// The script is a classic script; these are the globals it defines.

// ----- MESIBO_STATUS_* -----
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
declare const MESIBO_STATUS_UPDATE: 0x14;
declare const MESIBO_STATUS_MANDUPDATE: 0x15;
declare const MESIBO_STATUS_SHUTDOWN: 0x16;
declare const MESIBO_STATUS_ACTIVITY: -1;

// ----- MESIBO_MSGSTATUS_* -----
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
declare const MESIBO_MSGSTATUS_E2E: 0x23;
declare const MESIBO_MSGSTATUS_DATETIME: 0x24;
declare const MESIBO_MSGSTATUS_HEADER: 0x25;
declare const MESIBO_MSGSTATUS_INVISIBLE: 0x26;
declare const MESIBO_MSGSTATUS_EMPTY: 0x27;
declare const MESIBO_MSGSTATUS_TIMESTAMP: 0x30;

// ----- MESIBO_FLAG_* -----
declare const MESIBO_FLAG_DELIVERYRECEIPT: 1;
declare const MESIBO_FLAG_READRECEIPT: 2;
declare const MESIBO_FLAG_TRANSIENT: 4;
declare const MESIBO_FLAG_PRESENCE: 8;
declare const MESIBO_FLAG_DEFAULT: 3;
declare const MESIBO_FLAG_FORWARDED: 0x40;
declare const MESIBO_FLAG_TLV: 0x100;
declare const MESIBO_FLAG_MODIFY: 0x40000;
declare const MESIBO_FLAG_BROADCAST: 0x80000;
declare const MESIBO_FLAG_LASTMESSAGE: 0x800000;
declare const MESIBO_FLAG_EORS: 0x4000000;

// ----- MESIBO_ORIGIN_* -----
declare const MESIBO_ORIGIN_REALTIME: 0;
declare const MESIBO_ORIGIN_DBMESSAGE: 1;
declare const MESIBO_ORIGIN_DBSUMMARY: 2;
declare const MESIBO_ORIGIN_DBPENDING: 3;
declare const MESIBO_ORIGIN_FILTER: 4;
declare const MESIBO_ORIGIN_MESSAGESTATUS: 5;

// ----- MESIBO_READFLAG_* -----
declare const MESIBO_READFLAG_READRECEIPT: 1;
declare const MESIBO_READFLAG_SENDLAST: 2;
declare const MESIBO_READFLAG_FIFO: 4;
declare const MESIBO_READFLAG_SUMMARY: 0x10;
declare const MESIBO_READFLAG_SENDEOR: 0x20;
declare const MESIBO_READFLAG_WITHFILES: 0x80;

// ----- MESIBO_PRESENCE_* -----
declare const MESIBO_PRESENCE_REQUEST: 0;
declare const MESIBO_PRESENCE_ONLINE: 1;
declare const MESIBO_PRESENCE_OFFLINE: 2;
declare const MESIBO_PRESENCE_TYPING: 3;
declare const MESIBO_PRESENCE_TYPINGCLEARED: 4;
declare const MESIBO_PRESENCE_JOINED: 10;
declare const MESIBO_PRESENCE_LEFT: 11;

// ----- MESIBO_RETRACT_* -----
declare const MESIBO_RETRACT_MODIFY: 1;
declare const MESIBO_RETRACT_WIPE: 2;
declare const MESIBO_RETRACT_DELETE: 4;
declare const MESIBO_RETRACT_DELUNREAD: 0x10;
declare const MESIBO_RETRACT_DELREAD: 0x20;
declare const MESIBO_RETRACT_DELMEDIA: 0x40;
declare const MESIBO_RETRACT_DELTHREAD: 0x80;
declare const MESIBO_RETRACT_DELALL: 0x100;
declare const MESIBO_RETRACT_DELCONTACT: 0x1000;

// ----- MESIBO_ADMINFLAG_* -----
declare const MESIBO_ADMINFLAG_MODIFY: 1;
declare const MESIBO_ADMINFLAG_ADDUSER: 0x10;
declare const MESIBO_ADMINFLAG_REMUSER: 0x20;
declare const MESIBO_ADMINFLAG_ADDADMIN: 0x40;
declare const MESIBO_ADMINFLAG_REMADMIN: 0x80;
declare const MESIBO_ADMINFLAG_REMOWNER: 0x100;
declare const MESIBO_ADMINFLAG_REMGROUP: 0x200;
declare const MESIBO_ADMINFLAG_CALLCONTROL: 0x400;
declare const MESIBO_ADMINFLAG_HANGUP: 0x800;
declare const MESIBO_ADMINFLAG_OWNER: 0x1000;
declare const MESIBO_ADMINFLAG_ADDPIN: 0x2000;
declare const MESIBO_ADMINFLAG_REMOVEPIN: 0x4000;
declare const MESIBO_ADMINFLAG_LISTPIN: 0x8000;
declare const MESIBO_ADMINFLAG_ALL: 0xEFFF;

// ----- MESIBO_OWNERFLAG_* -----
declare const MESIBO_OWNERFLAG_ALL: 0xFFFF;

// ----- MESIBO_GROUPFLAG_* -----
declare const MESIBO_GROUPFLAG_SENDBYSELECTED: 1;
declare const MESIBO_GROUPFLAG_SENDBYANYONE: 2;
declare const MESIBO_GROUPFLAG_AUTOADDMEMBER: 8;
declare const MESIBO_GROUPFLAG_RECVBYSELECTED: 0x10;
declare const MESIBO_GROUPFLAG_RECVROUNDROBIN: 0x20;
declare const MESIBO_GROUPFLAG_NOSTORAGE: 0x40;
declare const MESIBO_GROUPFLAG_RECVLOOPBACK: 0x80;
declare const MESIBO_GROUPFLAG_PUBBYSELECTED: 0x100;
declare const MESIBO_GROUPFLAG_PUBBYANYONE: 0x200;
declare const MESIBO_GROUPFLAG_SUBBYSELECTED: 0x1000;
declare const MESIBO_GROUPFLAG_SUBBYANYONE: 0x2000;
declare const MESIBO_GROUPFLAG_LISTBYSELECTED: 0x10000;
declare const MESIBO_GROUPFLAG_LISTBYANYONE: 0x20000;
declare const MESIBO_GROUPFLAG_NOSELFDELETE: 0x40000;
declare const MESIBO_GROUPFLAG_PAUSE: 0x8000000;

// ----- MESIBO_GROUPERROR_* -----
declare const MESIBO_GROUPERROR_NOTMEMBER: 1;
declare const MESIBO_GROUPERROR_PERMISSION: 2;
declare const MESIBO_GROUPERROR_BADPIN: 3;
declare const MESIBO_GROUPERROR_ACCESSDENIED: 4;
declare const MESIBO_GROUPERROR_NOTSHAREDPIN: 5;
declare const MESIBO_GROUPERROR_GENERAL: 10;
declare const MESIBO_GROUPERROR_DELETED: 11;

// ----- MESIBO_ACTIVITY_* -----
declare const MESIBO_ACTIVITY_NONE: 0;
declare const MESIBO_ACTIVITY_ONLINE: 1;
declare const MESIBO_ACTIVITY_ONLINERESP: 2;
declare const MESIBO_ACTIVITY_TYPING: 3;
declare const MESIBO_ACTIVITY_TYPINGCLEARED: 4;
declare const MESIBO_ACTIVITY_JOINED: 10;
declare const MESIBO_ACTIVITY_LEFT: 11;

// ----- MESIBO_CALLSTATUS_* -----
declare const MESIBO_CALLSTATUS_NONE: 0;
declare const MESIBO_CALLSTATUS_INCOMING: 1;
declare const MESIBO_CALLSTATUS_INPROGRESS: 2;
declare const MESIBO_CALLSTATUS_RINGING: 3;
declare const MESIBO_CALLSTATUS_ANSWER: 5;
declare const MESIBO_CALLSTATUS_UPDATE: 6;
declare const MESIBO_CALLSTATUS_DTMF: 7;
declare const MESIBO_CALLSTATUS_SDP: 8;
declare const MESIBO_CALLSTATUS_MUTE: 9;
declare const MESIBO_CALLSTATUS_UNMUTE: 10;
declare const MESIBO_CALLSTATUS_HOLD: 11;
declare const MESIBO_CALLSTATUS_UNHOLD: 12;
/** C++ header's internal/notification codes */
declare const MESIBO_CALLSTATUS_DUREXCEED: 19;
declare const MESIBO_CALLSTATUS_SRCRINGING: 20;
declare const MESIBO_CALLSTATUS_SRCANSWERED: 21;
declare const MESIBO_CALLSTATUS_USERINPUT: 22;
declare const MESIBO_CALLSTATUS_PING: 0x21;
declare const MESIBO_CALLSTATUS_INFO: 0x23;
declare const MESIBO_CALLSTATUS_ECHO: 0x24;
declare const MESIBO_CALLSTATUS_REDIRECT: 0x25;
declare const MESIBO_CALLSTATUS_CONNECTED: 0x30;
declare const MESIBO_CALLSTATUS_CHANNELUP: 0x30;
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
declare const MESIBO_CALLSTATUS_NOCALLS: 0x48;
declare const MESIBO_CALLSTATUS_NOVIDEOCALLS: 0x49;
declare const MESIBO_CALLSTATUS_NOTALLOWED: 0x4A;
declare const MESIBO_CALLSTATUS_BLOCKED: 0x4B;
declare const MESIBO_CALLSTATUS_DURATIONEXCEEDED: 0x4C;
declare const MESIBO_CALLSTATUS_AUTHFAIL: 0x50;
declare const MESIBO_CALLSTATUS_NOCREDITS: 0x51;
declare const MESIBO_CALLSTATUS_NONTRINGMEDEST: 0x52;
declare const MESIBO_CALLSTATUS_INCOMPATIBLE: 0x53;
declare const MESIBO_CALLSTATUS_BADCALLID: 0x54;
declare const MESIBO_CALLSTATUS_ERROR: 0x60;
declare const MESIBO_CALLSTATUS_HWERROR: 0x61;
declare const MESIBO_CALLSTATUS_NETWORKERROR: 0x62;
declare const MESIBO_CALLSTATUS_NETWORKBLOCKED: 0x63;

// ----- MESIBO_CALLFLAG_*, MESIBO_MUTESTATUS_*, MESIBO_CONFIGTYPE_* (call timeouts) -----
declare const MESIBO_CALLFLAG_AUDIO: 1;
declare const MESIBO_CALLFLAG_VIDEO: 2;
declare const MESIBO_CALLFLAG_STARTCALL: 4;
declare const MESIBO_CALLFLAG_CALLWAITING: 8;
declare const MESIBO_CALLFLAG_WIFI: 0x10;
declare const MESIBO_CALLFLAG_SLOWNETWORK: 0x20;
declare const MESIBO_CALLFLAG_MISSED: 0x1000;
declare const MESIBO_MUTESTATUS_AUDIO: 1;
declare const MESIBO_MUTESTATUS_VIDEO: 2;
declare const MESIBO_MUTESTATUS_HOLD: 4;
declare const MESIBO_CONFIGTYPE_CALLREQTO: 0x110;
declare const MESIBO_CONFIGTYPE_CALLANSTO: 0x111;
declare const MESIBO_CONFIGTYPE_CALLCONNECTTO: 0x112;

// ----- MESIBO_FILETYPE_* -----
declare const MESIBO_FILETYPE_AUTO: 0;
declare const MESIBO_FILETYPE_IMAGE: 1;
declare const MESIBO_FILETYPE_VIDEO: 2;
declare const MESIBO_FILETYPE_AUDIO: 3;
declare const MESIBO_FILETYPE_LOCATION: 4;
declare const MESIBO_FILETYPE_PROFILEIMAGE: 5;
declare const MESIBO_FILETYPE_PROFILETHUMBNAIL: 6;
declare const MESIBO_FILETYPE_OTHER: 10;
declare const MESIBO_FILETYPE_MASK: 0xFF;

// ----- MESIBO_FILESOURCE_* -----
declare const MESIBO_FILESOURCE_MESSAGE: 0;
declare const MESIBO_FILESOURCE_PROFILE: 1;
declare const MESIBO_FILESOURCE_GROUPPROFILE: 2;
/** 2021 name of the same value */
declare const MESIBO_FILESOURCE_PROFILETN: 2;
declare const MESIBO_FILESOURCE_THUMBNAIL: 3;
declare const MESIBO_FILESOURCE_UNKNOWN: 99;
declare const MESIBO_FILESOURCE_CUSTOM: 100;

// ----- MESIBO_FILESTATUS_* -----
declare const MESIBO_FILESTATUS_IDLE: 0;
declare const MESIBO_FILESTATUS_INPROGRESS: 1;
declare const MESIBO_FILESTATUS_RETRYLATER: 2;
declare const MESIBO_FILESTATUS_FAILED: 3;

// ----- MESIBO_FILEMODE_* -----
declare const MESIBO_FILEMODE_DOWNLOAD: 0;
declare const MESIBO_FILEMODE_UPLOAD: 1;

// ----- MESIBO_FILEACTION_* -----
declare const MESIBO_FILEACTION_START: 0;
declare const MESIBO_FILEACTION_STOP: 1;

// ----- MESIBO_MEMBERFLAG_* -----
declare const MESIBO_MEMBERFLAG_SEND: 1;
declare const MESIBO_MEMBERFLAG_RECV: 2;
declare const MESIBO_MEMBERFLAG_PUBL: 4;
declare const MESIBO_MEMBERFLAG_SUBS: 8;
declare const MESIBO_MEMBERFLAG_LIST: 0x10;
declare const MESIBO_MEMBERFLAG_RECORD: 0x20;
declare const MESIBO_MEMBERFLAG_ALL: 0x1F;
declare const MESIBO_MEMBERFLAG_ADMIN: 0x1000;
declare const MESIBO_MEMBERFLAG_NOSELFDELETE: 0x2000;
declare const MESIBO_MEMBERFLAG_SHAREDPIN: 0x8000;
declare const MESIBO_MEMBERFLAG_DELETE: 0x80000000;

// ----- MESIBO_RESULT_* -----
declare const MESIBO_RESULT_OK: 0;
declare const MESIBO_RESULT_FAIL: 0x80;
declare const MESIBO_RESULT_GENERROR: 0x81;
declare const MESIBO_RESULT_NOSUCHERROR: 0x83;
declare const MESIBO_RESULT_INBOXFULL: 0x84;
declare const MESIBO_RESULT_BADREQ: 0x85;
declare const MESIBO_RESULT_OVERCAPACITY: 0x86;
declare const MESIBO_RESULT_RETRYLATER: 0x87;
declare const MESIBO_RESULT_E2EERROR: 0x8A;
declare const MESIBO_RESULT_TIMEOUT: 0xB0;
declare const MESIBO_RESULT_CONNECTFAIL: 0xB1;
declare const MESIBO_RESULT_DISCONNECTED: 0xB2;
declare const MESIBO_RESULT_REQINPROGRESS: 0xB3;
declare const MESIBO_RESULT_BUFFERFULL: 0xB4;
declare const MESIBO_RESULT_AUTHFAIL: 0xC0;
declare const MESIBO_RESULT_DENIED: 0xC1;

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

/** api.createhttpRequest(): HTTP to the app's own server. */
declare class MesiboHttpRequest {
  setUrl(url: string): void;
  /** Form-encoded when urlencoded, else JSON. */
  setPostData(data: object | string, urlencoded?: boolean): void;
  /** fn(cbdata, text) with the answer's text, null on failure. */
  send(cbdata: unknown, fn: (cbdata: unknown, text: string | null) => void): boolean;
}

/** mesibo's date object (local time). Numeric comparisons use ts (valueOf). */
declare class MesiboDateTime {
  ts: number;
  year: number;
  /** 1 = January */
  month: number;
  day: number;
  hour: number;
  min: number;
  sec: number;
  /** 0 = Sunday */
  wday: number;
  valueOf(): number;
  isValid(): boolean;
  /** "MM/DD/YYYY" (monthFirst) or "DD/MM/YYYY"; `today`/`yesterday` replace those days when given. */
  getDate(monthFirst?: boolean, today?: string, yesterday?: string): string;
  /** "HH:MM" or "HH:MM:SS" */
  getTime(seconds?: boolean): string;
  /** Whole calendar days since the date; 0 = today. */
  getDaysElapsed(): number;
  getSecondsElapsed(): number;
  /** "just now", "5 minutes ago", "yesterday", "4 days ago", else the date. */
  getDateInNaturalLanguage(accuracy?: number): string;
  isToday(): boolean;
  isYesterday(): boolean;
  getMonthName(short?: boolean): string;
}

/** Methods the SDK calls on a listener (all optional). Older "Mesibo_On..." spellings are called when the "on" one is missing. */
interface MesiboListener {
  Mesibo_onConnectionStatus?(status: number, value: number): void;
  /**
   * Incoming messages; own messages (the sending tab's own right after send(), others' from other
   * tabs/devices); messages a read session reads; null once when a read session runs out of stored messages.
   */
  Mesibo_onMessage?(m: MesiboMessage | null): void;
  Mesibo_onMessageStatus?(m: MesiboMessage): void;
  Mesibo_onMessageUpdate?(m: MesiboMessage): void;
  Mesibo_onPresence?(p: MesiboPresence): void;
  /** A read session's sync() stored `count` older messages. */
  Mesibo_onSync?(session: MesiboReadSession, count: number): void;
  Mesibo_onCall?(callid: number, from: string, video: boolean): void;
  Mesibo_onCallStatus?(callid: number, status: number): void;
  Mesibo_onProfileUpdated?(profile: MesiboProfile): void;
  /** Upload and download progress of a file (file.progress 0..100, file.mode, file.status, file.message). */
  Mesibo_onFileTransferProgress?(file: MesiboFileView): void;
  Mesibo_onGroupMembers?(profile: MesiboProfile, members: MesiboGroupMember[]): void;
  /** save() of the own or a group profile finished. */
  MesiboProfile_onPublish?(profile: MesiboProfile, result: boolean): void;
  /** A name to show for a profile that has none (null: none). */
  Mesibo_onGetProfileName?(profile: MesiboProfile): string | null;
  /** A picture URL (or image object) for a profile that has none. */
  Mesibo_onGetProfileImage?(profile: MesiboProfile): string | MesiboProfileImage | null;
  /** Group callbacks (from the server's group events) */
  Mesibo_onGroupCreated?(groupProfile: MesiboProfile): void;
  Mesibo_onGroupJoined?(groupProfile: MesiboProfile): void;
  Mesibo_onGroupLeft?(groupProfile: MesiboProfile): void;
  Mesibo_onGroupMembersJoined?(groupProfile: MesiboProfile, members: MesiboGroupMember[]): void;
  Mesibo_onGroupMembersRemoved?(groupProfile: MesiboProfile, members: MesiboGroupMember[]): void;
  /** MESIBO_GROUPERROR_* */
  Mesibo_onGroupError?(groupProfile: MesiboProfile, error: number): void;
  /** Adjust a profile when it is first used. */
  Mesibo_onCustomizeProfile?(profile: MesiboProfile): boolean | void;
  /** Called in every tab when any tab sets a user object. */
  MesiboJS_onUserObject?(name: string, obj: unknown): void;
  /** Hubbub addition: this tab took or gave up the connection. */
  MesiboJS_onLeader?(isLeader: boolean): void;
  // legacy spellings
  Mesibo_OnConnectionStatus?(status: number, value: number): void;
  Mesibo_OnMessage?(m: MesiboMessage | null, data: Uint8Array | null): void;
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
  /** The message id: never 0 once the app sees the message (the app's id until the server gives its own). */
  mid: number;
  /** The client id sent to the server (String(id), or "id.n" for the n-th resend). */
  cid: string | null;
  /** The other user (sender of incoming, destination of outgoing; the sender inside a group). */
  peer: string;
  /** Sender address (for group messages: the member who sent it). */
  from: string;
  groupid: number;
  /** The peer's profile (in groups: the member who sent it; own group messages: the own profile). */
  readonly profile: MesiboProfile | null;
  /** The group's profile; null for 1-to-1. */
  readonly groupProfile: MesiboProfile | null;
  message: string;
  title: string;
  subtitle: string;
  footer: string;
  data: unknown;
  /** -720 when absent */
  latitude: number;
  longitude: number;
  /** MESIBO_MSGSTATUS_* */
  status: number;
  /** ms since the epoch */
  ts: number;
  readonly date: MesiboDateTime;
  expiry?: number;
  flag: number;
  flags: number;
  /** MESIBO_ORIGIN_* */
  readonly origin: number;
  type: number;
  refid: number;
  presence: number;
  launchurl?: string;
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
  isDbSummaryMessage(): boolean;
  isLastMessage(): boolean;
  isFailed(): boolean;
  isReadByPeer(): boolean;
  isDelivered(): boolean;
  isSent(): boolean;
  isInOutbox(): boolean;
  isUnread(): boolean;
  isReadByUs(): boolean;
  isDeleted(): boolean;
  isWiped(): boolean;
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
  isDate(): boolean;
  isPresence(): boolean;
  isCustom(): boolean;
  cloneDate(): MesiboMessage;
  isDestinedFor(profile: MesiboProfile): boolean;
  isReply(): boolean;
  setInReplyTo(mid: number): void;
  getInReplyTo(): number;
  isRichMessage(): boolean;
  isPlainMessage(): boolean;
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
  setContentType(type: number): void;
  mayBeRetracted(): boolean;
  getReadSession(): MesiboReadSession | null;
  getMessageId(): number;
  getStatus(): number;
  getTimestamp(): MesiboDateTime;
  /** cb(date) when `peer` (a group member; null for 1-to-1) got it; cb(null) when not yet or incoming. */
  getDeliveryTimestamp(peer: string | null | ((d: MesiboDateTime | null) => void), cb?: (d: MesiboDateTime | null) => void): MesiboDateTime | null;
  getReadTimestamp(peer: string | null | ((d: MesiboDateTime | null) => void), cb?: (d: MesiboDateTime | null) => void): MesiboDateTime | null;
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
  /** MESIBO_ACTIVITY_* as the server sent it (0 = offline) */
  activity: number;
  /** MESIBO_PRESENCE_*: OFFLINE (2) for offline, ONLINE (1) for an online answer, else the activity */
  readonly presence: number;
  readonly value: number;
  readonly profile: MesiboProfile;
  readonly groupProfile: MesiboProfile | null;
  ts: number;
  isTyping(): boolean;
  isTypingCleared(): boolean;
  isOnline(): boolean;
  isOffline(): boolean;
  isChatting(): boolean;
  hasJoined(): boolean;
  hasLeft(): boolean;
  isRequest(): boolean;
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
  /** Hubbub: every admin has the owner's rights. */
  isOwner(): boolean;
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
  /** The name, else what Mesibo_onGetProfileName returns, else ''. */
  getName(): string;
  getNameOrAddress(arg?: string): string;
  getStatus(): string;
  getString(key: string, def?: string): string;
  getInt(key: string, def?: number): number;
  getLong(key: string, def?: number): number;
  getDouble(key: string, def?: number): number;
  getBoolean(key: string, def?: boolean): boolean;
  getValues(): Record<string, unknown>;
  getImage(index?: number): MesiboProfileImage;
  getThumbnail(): string;
  getImageOrThumbnail(): string;
  getLastSeen(): MesiboDateTime | null;
  isOnline(): boolean;
  isTyping(): boolean;
  isTypingInGroup(gid: number): boolean;
  isChatting(): boolean;
  isBlocked(): boolean;
  isSubscribed(): boolean;
  isContact(): boolean;
  setName(name: string): void;
  setStatus(status: string): void;
  setString(key: string, value: string): void;
  setInt(key: string, value: number): void;
  setLong(key: string, value: number): void;
  setDouble(key: string, value: number): void;
  setBoolean(key: string, value: boolean): void;
  reset(): void;
  /** A File/Blob, an <input type=file> id, or a URL; published (uploaded first) by save(). */
  setImage(urlOrElementIdOrFile: string | File | Blob, index?: number): void;
  setContact(on?: boolean): void;
  save(): Promise<object>;
  subscribe(on?: boolean): Promise<object>;
  block(on?: boolean): Promise<object>;
  getUnreadCount(cb?: (n: number) => void): number;
  getUnreadMessageCount(): number;
  deleteMessages(ts?: number): Promise<number>;
  /** Deletes this conversation's messages older than `sec` seconds (for this user, every device) */
  deleteMessagesOlderThan(sec: number): Promise<number>;
  newMessage(): MesiboMessage;
  sendMessage(id: number, text: string): number;
  sendFile(id: number, opts: { message?: string; title?: string; file?: File | MesiboFile; fileurl?: string; filetype?: number }): number;
  sendTyping(): void;
  sendTypingCleared(): void;
  sendJoined(): void;
  sendLeft(): void;
  sendOnline(): void;
  createReadSession(listener: MesiboListener | null): MesiboReadSession;
  readDbSession(query: object | ((list: MesiboMessage[]) => void), cb?: (list: MesiboMessage[]) => void): number;
  getGroupProfile(): MesiboProfile | null;
  addMembers(addresses: string[] | string, flags?: number, adminFlags?: number): Promise<object>;
  removeMembers(addresses: string[] | string): Promise<object>;
  getMembers(count: number, restart: boolean, listener?: MesiboListener | ((profile: MesiboProfile, members: MesiboGroupMember[]) => void)): Promise<MesiboGroupMember[]>;
  leave(): Promise<object>;
  deleteGroup(): Promise<object>;
}

declare class MesiboReadSession {
  /** A session over the latest message of every conversation (the chat list). */
  static createReadSummarySession(listener: MesiboListener | null): MesiboReadSession;
  enableReadReceipt(on: boolean): void;
  isReadReceiptEnabled(): boolean;
  enableFifo(on: boolean): void;
  enableFiles(on: boolean): void;
  enableMessages(on: boolean): void;
  enableCalls(on: boolean): void;
  enableMissedCalls(on: boolean): void;
  enableIncomingCalls(on: boolean): void;
  enableOutgoingCalls(on: boolean): void;
  /** Legacy: make this the summary session. */
  enableSummary(on: boolean): void;
  setQuery(q: string | null): void;
  /** Delivers up to n stored messages (newest first) to Mesibo_onMessage, then null when the store has no more; returns how many. */
  read(n: number): number;
  /** Summary: latest message per conversation, kept current; conversation: read so far and newer. */
  getMessages(): MesiboMessage[];
  getUnreadCount(cb?: (n: number) => void): number;
  getUnreadMessageCount(): number;
  /** Fetches up to n (default 50) older messages from the server; then Mesibo_onSync(session, count). */
  sync(n?: number, listener?: MesiboListener | ((this: MesiboReadSession, count: number) => void)): Promise<number>;
  stop(): void;
}

declare class Mesibo {
  constructor();
  /** One shared instance. */
  static getInstance(): Mesibo;
  /** Logs the SDK version; returns it. */
  static printVersion(a?: string, b?: string): string;
  /** In a service worker after importScripts(): installs the SDK's worker handlers. */
  static initServiceWorker(caches: CacheStorage, self: any): boolean;
  setAppName(appid: string): void;
  setAccessToken(token: string): void;
  setCredentials(token: string): void;
  setListener(listener: MesiboListener): void;
  addListener(listener: MesiboListener): void;
  removeListener(listener: MesiboListener): void;
  setDatabase(name: string, cb?: (ok: boolean) => void): void;
  /** Registers the app's service worker; never throws. */
  startServiceWorker(url: string): Promise<ServiceWorkerRegistration | null>;
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
  getProfile(address: string | null, groupid?: number): MesiboProfile;
  getSelfProfile(): MesiboProfile;
  getSortedProfiles(): MesiboProfile[];
  createGroup(name: string, flags: number, cb?: (profile: MesiboProfile | null) => void): Promise<MesiboProfile | null>;
  createReadSummarySession(listener: MesiboListener | null): MesiboReadSession;
  /** Legacy read session: onRead(count) after each read, `this` = the session. */
  readDbSession(peer: string, gid: number, query?: object | null, onRead?: (this: MesiboReadSession, count: number) => void): MesiboReadSession;
  createhttpRequest(): MesiboHttpRequest;
  sendMessage(params: MesiboMessageParams, id: number, text: string): number;
  /** Legacy: sends an already hosted file. */
  sendFile(params: MesiboMessageParams, id: number, file: { filetype?: number; size?: number; fileurl: string; title?: string; message?: string; name?: string }): number;
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
