//! The access-control configuration model: PVE's `user.cfg`, `priv/token.cfg`,
//! `priv/shadow.cfg` and `domains.cfg`, the built-in roles and privileges, and
//! the permission engine. No HTTP here.
