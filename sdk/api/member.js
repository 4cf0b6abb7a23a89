/** A member of a group, as getMembers() and Mesibo_onGroupMembers give them. */
export class MesiboGroupMember {
  constructor(api, m) { this._api = api; this.address = m.address; this.flags = m.flags || 0; this.admin = !!m.admin; }
  /** @returns {string} */ getAddress() { return this.address; }
  /** @returns {MesiboProfile} */ getProfile() { return this._api.getProfile(this.address, 0); }
  /** @returns {boolean} */ isAdmin() { return this.admin; }
  /**
   * Hubbub groups have no single owner: every admin has the owner's rights (delete the group, change
   * admins), so an admin is reported as owner. @returns {boolean}
   */
  isOwner() { return this.admin; }
  /** @returns {number} member flags (MESIBO_MEMBERFLAG_*) */ getFlags() { return this.flags; }
}
