// Stores (MemoryStore, IdbStore). Both implement the same Promise-based interface:
//    open(), snapshot() -> {term, lastSeq, floor, messages}, bumpTerm() -> term, getTerm(),
//    getLastSeq(), applyEvents(events, term|null) (atomic; throws {code:'FENCED'} if the stored term
//    differs), setFloor(seq), getEvents(lo, hi), putMessages(records), outboxPut(entry),
//    outboxDelete(cid), outboxAll(), userObjectPut(rec), userObjectGet(name), userObjectAll(),
//    leaseTry(name, holder, now, ttl), leaseRelease(name, holder), close()

export function fencedError() {
  var e = new Error('a newer leader holds the session (term fenced)');
  e.code = 'FENCED';
  return e;
}
