// The floor of any Swift process here: a static-stdlib, position-independent hello that
// prints one line and then waits. bench/run.py measures its private memory beside pgtrackd's.
#if canImport(Glibc)
import Glibc
#endif

print("hello")
fflush(stdout)
pause()
