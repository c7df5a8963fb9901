package store

// OwnerLockSpace is the first key of the dispatchers' presence locks, for
// tests that look them up in pg_locks.
const OwnerLockSpace = ownerLockSpace
