package auth

import "sync"

// keyLock serializes work per key (an email, a client address) within this
// process. Sign-in holds it from counting recent failures to recording the
// new one, so that parallel guesses cannot all pass the check before any is
// counted.
type keyLock struct {
	mu sync.Mutex
	m  map[string]*keyLockEntry
}

type keyLockEntry struct {
	mu   sync.Mutex
	refs int
}

// lock takes the lock for key and returns its release.
func (k *keyLock) lock(key string) func() {
	k.mu.Lock()
	if k.m == nil {
		k.m = map[string]*keyLockEntry{}
	}
	e := k.m[key]
	if e == nil {
		e = &keyLockEntry{}
		k.m[key] = e
	}
	e.refs++
	k.mu.Unlock()
	e.mu.Lock()
	return func() {
		e.mu.Unlock()
		k.mu.Lock()
		if e.refs--; e.refs == 0 {
			delete(k.m, key)
		}
		k.mu.Unlock()
	}
}
