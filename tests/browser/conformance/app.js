// A chat page written the way mesibo's web messenger is written (a listener object like an Angular
// $scope, message objects kept and re-rendered, read sessions, the summary session for the chat
// list), driven by tests/browser/test_conformance.py through window.app. Query: ?token=&appid=&cross=1
(function () {
  'use strict';
  var q = new URLSearchParams(location.search);
  var SDK = document.querySelector('script[src*="/sdk/mesibo.js"]').src;

  // ----- the app's state, as the messenger keeps it -----
  var $scope = {
    statuses: [], messages: [], msgEvents: [], statusEvents: [], updates: [], syncs: [], presence: [],
    profileUpdates: [], published: [], members: null, userObjects: [], dbReady: null, eor: 0,
    readMessages: [], summaryMessages: []
  };
  window.$scope = $scope;

  function snapshot(m) {
    return {
      mid: m.mid, message: m.message, peer: m.peer, groupid: m.groupid, out: m.isOutgoing(), inc: m.isIncoming(),
      realtime: m.isRealtimeMessage(), db: m.isDbMessage(), origin: m.origin, status: m.status
    };
  }

  // ----- the listener (every Mesibo_* callback of the reference) -----
  $scope.Mesibo_onConnectionStatus = function (status, value) {
    $scope.statuses.push(status);
    document.getElementById('status').textContent = String(status);
  };
  $scope.Mesibo_onMessage = function (m) {
    if (!m) { $scope.eor++; return; }
    if (!m.mid) { $scope.zeroMid = ($scope.zeroMid || 0) + 1; return; }  // the messenger drops these
    $scope.msgEvents.push(snapshot(m));
    if ($scope.messages.indexOf(m) < 0) { m.firstText = m.message; $scope.messages.push(m); }  // as Angular adds its own keys
  };
  $scope.Mesibo_onMessageStatus = function (m) {
    $scope.statusEvents.push({ mid: m.mid, status: m.status, known: $scope.messages.indexOf(m) >= 0 });
  };
  $scope.Mesibo_onMessageUpdate = function (m) {
    $scope.updates.push({ mid: m.mid, deleted: m.isDeleted(), modified: m.isModified(), known: $scope.messages.indexOf(m) >= 0 });
  };
  $scope.Mesibo_onSync = function (rs, count) { $scope.syncs.push({ session: !!rs, count: count }); };
  $scope.Mesibo_onPresence = function (p) {
    $scope.presence.push({ peer: p.profile.getAddress(), presence: p.presence, typing: p.isTyping(), joined: p.hasJoined(),
      gid: p.groupProfile ? p.groupProfile.getGroupId() : 0 });
  };
  $scope.Mesibo_onProfileUpdated = function (p) { $scope.profileUpdates.push(p.getAddress() || ('g' + p.getGroupId())); };
  $scope.Mesibo_onGroupMembers = function (g, members) { $scope.members = members; };
  $scope.MesiboProfile_onPublish = function (p, result) { $scope.published.push(result); };
  $scope.Mesibo_onGetProfileName = function (p) { return p.isGroup() ? null : '+' + p.getAddress(); };
  $scope.MesiboJS_onUserObject = function (name, obj) { $scope.userObjects.push([name, obj]); };

  // ----- start, in the messenger's order -----
  var api = Mesibo.getInstance();
  window.api = api;
  api.setAppName(q.get('appid'));
  var sw = api.startServiceWorker('sw.js?sdk=' + encodeURIComponent(SDK));
  Mesibo.printVersion('conformance', 'page');
  api.setCredentials(q.get('token'));
  api.setListener($scope);
  if (q.get('cross') === '1') api.enableCrossTabSessions(true);
  api.setDatabase('conformance', function (ok) {
    $scope.dbReady = ok;
    // the chat list: the summary session
    $scope.summary = MesiboReadSession.createReadSummarySession({
      Mesibo_onMessage: function (m) { if (m) $scope.summaryMessages.push(m); }
    });
    $scope.summary.read(100);
  });
  api.start();

  function dt(d) {
    if (!d) return null;
    return { today: d.getDate(true, 'Today', 'Yesterday'), days: d.getDaysElapsed(), time: /^\d\d:\d\d$/.test(d.getTime()),
      timeSec: /^\d\d:\d\d:\d\d$/.test(d.getTime(true)), natural: typeof d.getDateInNaturalLanguage(0),
      year: d.year > 2000, isToday: d.isToday(), month: d.getMonthName().length > 2, valid: d.isValid() };
  }

  // ----- what the test drives -----
  window.app = {
    sw: function () {
      return sw.then(function (reg) {
        if (!reg) return { registered: false };
        return navigator.serviceWorker.ready.then(function (r) {
          return new Promise(function (resolve) {
            navigator.serviceWorker.addEventListener('message', function (e) { resolve(Object.assign({ registered: true }, e.data)); }, { once: true });
            r.active.postMessage('ping');
          });
        });
      });
    },
    online: function () { return api.getConnectionStatus() === MESIBO_STATUS_ONLINE; },
    send: function (peer, text, gid, opts) {
      var p = gid ? api.getProfile('', gid) : api.getProfile(peer);
      var m = p.newMessage();
      m.message = text;
      opts = opts || {};
      if (opts.url) { m.setContent(opts.url); m.setContentType(opts.filetype || MESIBO_FILETYPE_IMAGE); }
      if (opts.file) m.setContent(opts.file);
      if (opts.title) m.title = opts.title;
      m.send();
      return m.id;
    },
    /** Texts shown through Mesibo_onMessage live (realtime), in order. */
    live: function () { return $scope.msgEvents.filter(function (e) { return e.realtime; }).map(function (e) { return e.message; }); },
    find: function (text) { return $scope.messages.filter(function (m) { return m.firstText === text; }); },
    /** Whether the app sees `text` delivered to member `peer`: getDeliveryTimestamp(peer, cb) gives a date. */
    deliveredTo: function (text, peer) {
      var list = window.app.find(text);
      if (list.length !== 1) return null;
      var d = null;
      list[0].getDeliveryTimestamp(peer, function (x) { d = x; });
      return !!d && typeof d.getDate === 'function';
    },
    /** Everything the reference says about one message, as the app would render it. */
    describe: function (text, other) {
      var list = window.app.find(text);
      if (list.length !== 1) return { count: list.length };
      var m = list[0];
      var d, r;
      m.getDeliveryTimestamp(null, function (x) { d = x; });
      m.getReadTimestamp(null, function (x) { r = x; });
      var peerProfile = api.getProfile(m.groupid ? '' : m.peer, m.groupid);
      var date = m.cloneDate();
      return {
        count: 1, messageIdIsMid: m.getMessageId() === m.mid && m.mid > 0, out: m.isOutgoing(), status: m.status,
        profile: m.profile ? m.profile.getAddress() : null,
        profileSameObject: m.groupid ? m.profile === (m.isOutgoing() ? api.getSelfProfile() : api.getProfile(m.peer)) : m.profile === api.getProfile(m.peer),
        groupProfile: m.groupProfile ? m.groupProfile.getGroupId() : null,
        groupProfileSameObject: m.groupid ? m.groupProfile === api.getProfile('', m.groupid) : m.groupProfile === null,
        isMessage: m.isMessage(), isDate: m.isDate(), dateRow: { isDate: date.isDate(), isMessage: date.isMessage(), status: date.status,
          sameDay: date.getTimestamp().getDate(true) === m.getTimestamp().getDate(true) },
        destinedForPeer: m.isDestinedFor(peerProfile), destinedForOther: m.isDestinedFor(api.getProfile(other || 'nobody')),
        isReply: m.isReply(), isRich: m.isRichMessage(), isPlain: m.isPlainMessage(),
        hasImage: m.hasImage(), hasVideo: m.hasVideo(), hasAudio: m.hasAudio(), hasDocument: m.hasDocument(),
        hasThumbnail: m.hasThumbnail(), thumbnail: m.getThumbnail(), fileName: m.getFileName(),
        filetype: m.filetype === undefined ? 'undefined' : m.filetype, fileObject: typeof m.file, fileUrl: m.file.url,
        loadImageFromCache: typeof m.file.loadImageFromCache,
        mayBeRetracted: m.mayBeRetracted(), timestamp: dt(m.getTimestamp()), date: dt(m.date),
        delivered: dt(d), read: dt(r), deleted: m.isDeleted(), flags: m.flags, isGroup: m.isGroupMessage()
      };
    },
    /** A conversation's read session: read(n) results, the end signal, unread count, getMessages(). */
    readConversation: function (peer, n, receipts) {
      var got = [], ends = 0;
      var rs = api.getProfile(peer).createReadSession({
        Mesibo_onMessage: function (m) { if (m) got.push(m); else ends++; }
      });
      if (receipts) rs.enableReadReceipt(true);
      var unread = null;
      rs.getUnreadCount(function (c) { unread = c; });
      var count = rs.read(n);
      var res = { count: count, texts: got.map(function (m) { return m.message; }), ends: ends, unread: unread,
        db: got.every(function (m) { return m.isDbMessage() && !m.isRealtimeMessage() && m.origin === MESIBO_ORIGIN_DBMESSAGE; }),
        last: got.length ? got[got.length - 1].isLastMessage() : null,
        sameObjects: got.filter(function (m) { return $scope.messages.indexOf(m) >= 0; }).length,
        getMessages: rs.getMessages().map(function (m) { return m.message; }) };
      rs.stop();
      return res;
    },
    summary: function () {
      return $scope.summary.getMessages().map(function (m) {
        return { text: m.message, peer: m.peer, gid: m.groupid, profile: m.profile ? m.profile.getAddress() : null };
      });
    },
    summaryUnread: function () { var n = null; $scope.summary.getUnreadCount(function (c) { n = c; }); return n; },
    profile: function (address, gid) {
      var p = api.getProfile(address, gid || 0);
      var img = p.getImage();
      var ls = p.getLastSeen();
      return { name: p.getName(), nameOrAddress: p.getNameOrAddress(''), status: p.getString('status', ''),
        values: p.getValues(), image: { object: typeof img, thumbnail: img.getThumbnail() || '', full: img.getImageOrThumbnail() || '',
          next: img.getNext(), empty: img.isEmpty() }, online: p.isOnline(), lastSeen: ls ? { days: ls.getDaysElapsed(), valid: ls.isValid() } : null,
        lastSeenFalsy: !ls, chatting: p.isChatting(), typing: p.isTyping(), group: p.isGroup(), self: p.isSelfProfile(),
        unread: p.getUnreadCount(), same: api.getProfile(address, gid || 0) === p };
    },
    typingInGroup: function (address, gid) { return api.getProfile(address).isTypingInGroup(gid); },
    saveSelf: function (name, status, picture, extra) {
      var me = api.getSelfProfile();
      me.reset();
      me.setName(name);
      me.setString('status', status);
      if (extra) me.setString('city', extra);
      if (picture) me.setImage(picture);
      return me.save().then(function (res) { return !!res.ok; });
    },
    subscribe: function (address) { return api.getProfile(address).subscribe(true).then(function (r) { return !!r.ok; }); },
    presence: function (address, what, gid) {
      var p = gid ? api.getProfile('', gid) : api.getProfile(address);
      if (what === 'joined') p.sendJoined(); else if (what === 'left') p.sendLeft(); else p.sendTyping();
    },
    group: function (name, members) {
      return new Promise(function (resolve) {
        api.createGroup(name, 0, function (g) {
          g.getGroupProfile().addMembers(members, MESIBO_MEMBERFLAG_ALL, 0).then(function () { resolve(g.getGroupId()); });
        });
      });
    },
    members: function (gid) {
      return new Promise(function (resolve) {
        api.getProfile('', gid).getMembers(0, false, function (g, members) {
          resolve(members.map(function (x) { return { address: x.getAddress(), owner: x.isOwner(), admin: x.isAdmin(), same: x.getProfile() === api.getProfile(x.getAddress()) }; }));
        });
      });
    },
    wipe: function (text) { var m = window.app.find(text)[0]; return m.wipeAndRecall().then(function (r) { return !!r.ok; }); },
    deleteConversation: function (peer) { return api.getProfile(peer).deleteMessages(); },
    sync: function (peer, n) {
      return new Promise(function (resolve) {
        var rs = api.getProfile(peer).createReadSession({ Mesibo_onMessage: function () {},
          Mesibo_onSync: function (s, count) { resolve({ count: count, session: s === rs }); } });
        rs.sync(n);
      });
    },
    /**
     * Opens a chat the messenger's way and scrolls back: read(n) while pages are full; on the end
     * signal (Mesibo_onMessage(null)) sync(); on Mesibo_onSync(rs, count > 0) read on; until the server has nothing older. Resolves with
     * the texts in the order shown and the first batch (what the user sees first).
     */
    history: function (peer, n) {
      return new Promise(function (resolve) {
        var texts = [], batches = [], batch = [], syncs = 0;
        var rs = api.getProfile(peer).createReadSession({
          Mesibo_onMessage: function (m) {
            if (m) { texts.push(m.message); batch.push(m.message); return; }
            batches.push(batch); batch = [];
            rs.sync();
          },
          Mesibo_onSync: function (s, count) {
            syncs++;
            if (count > 0) more();
            else { if (batch.length) batches.push(batch); resolve({ texts: texts, batches: batches, syncs: syncs }); }
          }
        });
        // the user scrolls up: read the next page while there is a full one
        function more() { if (rs.read(n) === n) { batches.push(batch); batch = []; setTimeout(more, 0); } }
        more();
      });
    },
    constants: function () {
      var out = {};
      Object.keys(window).forEach(function (k) { if (k.indexOf('MESIBO_') === 0 && typeof window[k] === 'number') out[k] = window[k]; });
      return out;
    },
    /** A report with no tab-specific values: every tab of a cross-tab session must give the same. */
    report: function (texts) {
      var out = {};
      texts.forEach(function (t) { out[t] = window.app.describe(t); });
      return { described: out, live: window.app.live(), summary: window.app.summary(), zeroMid: $scope.zeroMid || 0 };
    }
  };
})();
