// Hubbub example page: runs the seed's cross-tab snippets and shows this tab's view.
// Query: ?token=USER_TOKEN&appid=APP_ID[&server=wss://host/ws][&cross=0][&peer=bob]
(function () {
  'use strict';
  var q = new URLSearchParams(location.search);
  var $ = function (id) { return document.getElementById(id); };
  var statusNames = {};
  var msgStatusNames = {};
  var callStatusNames = {};
  Object.keys(window).forEach(function (k) {
    if (k.indexOf('MESIBO_STATUS_') === 0) statusNames[window[k]] = k.slice(14);
    if (k.indexOf('MESIBO_MSGSTATUS_') === 0) msgStatusNames[window[k]] = k.slice(17);
    if (k.indexOf('MESIBO_CALLSTATUS_') === 0) callStatusNames[window[k]] = k.slice(18);
  });
  function msgStatus(s) { return msgStatusNames[s] || String(s); }

  // What this tab has shown, for people and for the end-to-end tests.
  var state = { shown: [], statuses: [], connection: [], userObjects: [], seenIds: {}, calls: [] };
  window.hubbubExample = state;

  function render() {
    $('tabid').textContent = String(mesibo.getTabId());
    var own = mesibo.isConnectionOwner();
    $('leader').textContent = own ? 'this tab holds the connection (leader)' : 'shared through another tab';
    $('leader').className = own ? 'leader' : 'follower';
    document.title = (own ? '★ ' : '') + 'tab ' + mesibo.getTabId();
  }

  function show(m, how) {
    state.shown.push({ id: m.id, mid: m.mid, text: m.message, out: m.isOutgoing(), how: how, peer: m.peer,
      call: m.isCall() ? { missed: m.isMissedCall(), video: m.isVideoCall(), duration: m.getCallDuration(), status: m.status } : null });
    var li = document.createElement('li');
    li.className = m.isOutgoing() ? 'out' : 'in';
    li.id = 'm-' + m.id;
    li.textContent = (m.isOutgoing() ? '→ ' + m.peer : '← ' + m.peer) + ': ' + (m.isCall()
      ? (m.isMissedCall() ? 'Missed' : m.isOutgoingCall() ? 'Outgoing' : 'Incoming') + (m.isVideoCall() ? ' video' : ' voice') +
        ' call' + (m.getCallDuration() ? ' (' + m.getCallDuration() + ' s)' : '')
      : m.message);
    var meta = document.createElement('span');
    meta.className = 'meta';
    meta.dataset.how = how;
    meta.textContent = how + ', ' + msgStatus(m.status);
    li.appendChild(meta);
    $('messages').appendChild(li);
    $('messages').scrollTop = 1e9;
  }

  var listener = {
    Mesibo_onConnectionStatus: function (status, value) {
      state.connection.push(status);
      $('status').textContent = status + ' (' + (statusNames[status] || '?') + ')';
      if (status === MESIBO_STATUS_ONLINE) $('self').textContent = mesibo.getSelfProfile().getAddress();
      render();
    },
    Mesibo_onMessage: function (m) {
      if (!m) return;  // a read session ran out of stored messages
      show(m, m.isDbMessage() ? 'stored' : 'live');
    },
    Mesibo_onMessageStatus: function (m) {
      state.statuses.push({ id: m.id, mid: m.mid, status: m.status });
      var li = $('m-' + m.id);
      if (li) { var meta = li.querySelector('.meta'); meta.textContent = meta.dataset.how + ', ' + msgStatus(m.status); }
    },
    MesiboJS_onUserObject: function (name, obj) {
      state.userObjects.push([name, obj]);
      $('uobjlog').textContent += name + ' = ' + JSON.stringify(obj) + '\n';
      if (name === 'my_object') $('uobj').textContent = JSON.stringify(obj);
    },
    MesiboJS_onLeader: function () { render(); },
    // calls, as mesibo's messenger handles them
    Mesibo_onCall: function (callid, from, video) {
      state.calls.push({ on: 'call', callid: callid, from: from, video: video });
      if (video) mesibo.setupVideoCall('localVideo', 'remoteVideo', true);
      else mesibo.setupVoiceCall('remoteAudio');
      $('callinfo').textContent = 'Incoming ' + (video ? 'video' : 'voice') + ' call from: ' + from;
      $('answer').disabled = false;
    },
    Mesibo_onCallStatus: function (callid, status) {
      state.calls.push({ on: 'status', callid: callid, status: status });
      $('callinfo').textContent = 'call ' + callid + ': ' + (callStatusNames[status] || status);
      if (status & MESIBO_CALLSTATUS_COMPLETE) {
        $('answer').disabled = true;
        mesibo.hangup(0);  // the messenger does this (twice) after a terminal status: must stay silent
        mesibo.hangup(0);
      }
    }
  };

  var token = q.get('token'), appid = q.get('appid');
  if (!token || !appid) {
    $('status').textContent = 'add ?token=USER_ACCESS_TOKEN&appid=APP_ID to the URL';
    return;
  }

  var mesibo = new Mesibo();
  window.mesibo = mesibo;
  mesibo.setAppName(appid);
  mesibo.setAccessToken(token);
  if (q.get('server')) mesibo.setServer(q.get('server'));
  mesibo.setListener(listener);
  mesibo.setDatabase('mesibo', function (ok) {
    // Show what the shared store already holds (a late tab reads it at once).
    var rs = MesiboReadSession.createReadSummarySession(listener);
    state.storedAtStart = rs.read(100);
  });

  // --- the seed's snippets, verbatim ---
  if (q.get('cross') !== '0') {
    mesibo.enableCrossTabSessions(true);
  }
  mesibo.start();

  var someObject = {};
  someObject.name = "Abc";
  someObject.city = "Xyz";
  if (q.get('setobj') !== '0') mesibo.setUserObject('my_object', someObject);

  mesibo.getUserObject('my_object', function(obj) {
    someObject = obj;
    state.gotObject = obj;
    $('uobj').textContent = JSON.stringify(obj);
  });

  var id = mesibo.getTabId();
  // --- end of the seed's snippets ---
  state.firstTabId = id;
  render();

  if (q.get('peer')) $('send').peer.value = q.get('peer');
  $('send').addEventListener('submit', function (e) {
    e.preventDefault();
    window.sendText(e.target.peer.value, e.target.text.value);
    e.target.text.value = '';
  });
  $('setobj').addEventListener('submit', function (e) {
    e.preventDefault();
    mesibo.setUserObject('my_object', { name: 'Abc', city: e.target.city.value });
  });

  /** Places a call the way mesibo's messenger does: set up the elements, then call(). */
  window.placeCall = function (peer, video) {
    if (video === false) mesibo.setupVoiceCall('remoteAudio');
    else mesibo.setupVideoCall('localVideo', 'remoteVideo', true);
    return mesibo.call(peer);
  };
  $('call').addEventListener('submit', function (e) {
    e.preventDefault();
    window.placeCall(e.target.peer.value, e.submitter ? e.submitter.name !== 'voice' : true);
  });
  $('answer').addEventListener('click', function () { mesibo.answer(true); });
  $('hangup').addEventListener('click', function () { mesibo.hangup(0); });

  /**
   * Sends text to peer the way mesibo apps do: the message shows when Mesibo_onMessage echoes it
   * (outgoing, realtime), then Mesibo_onMessageStatus follows its ticks.
   */
  window.sendText = function (peer, text) {
    var p = mesibo.getProfile(peer);
    var m = p.newMessage();
    m.message = text;
    m.send();
    return m.id;
  };
})();
