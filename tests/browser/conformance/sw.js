// The app's service worker, as mesibo's messenger writes it: load the SDK, let it install its handlers.
importScripts(new URL(location.href).searchParams.get('sdk'));
var initialised = Mesibo.initServiceWorker(caches, self);
self.addEventListener('message', function (e) {
  e.source.postMessage({ mesibo: typeof Mesibo, readSession: typeof MesiboReadSession, init: initialised,
    online: typeof MESIBO_STATUS_ONLINE === 'number' ? MESIBO_STATUS_ONLINE : null });
});
