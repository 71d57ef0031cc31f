package store

// SessionCacheState reports whether s's session cache is in use and how many times it was
// emptied, for the tests of the cache's listener.
func SessionCacheState(s *Store) (live bool, emptied uint64) {
	s.sessionCache.mu.Lock()
	defer s.sessionCache.mu.Unlock()
	return s.sessionCache.live, s.sessionCache.gen
}
