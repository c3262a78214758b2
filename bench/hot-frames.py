# The hottest frames of an async-profiler collapsed-stack file: own time, then Karavel, MapDB and MINA
# frames with what they call. Used by profile.sh and shaping.sh (PROFILE=1).
import collections, sys
total = 0; own = collections.Counter(); inner = collections.Counter()
for line in open(sys.argv[1]):
    stack, _, n = line.rstrip().rpartition(' ')
    n = int(n); total += n
    frames = stack.split(';')
    java = [f for f in frames if '/' in f and not f.endswith('_[k]')]
    own[java[-1] if java else frames[-1]] += n
    for f in set(frames):
        if f.startswith(('org/karavel', 'org/mapdb', 'org/apache/mina')):
            inner[f] += n
print('CPU samples: %d (%s)' % (total, sys.argv[1]))
print('-- hottest frames (own time, deepest Java frame)')
for f, n in own.most_common(25): print('%5.1f%% %s' % (n * 100 / total, f))
print('-- Karavel, MapDB and MINA frames (including what they call)')
for f, n in inner.most_common(25): print('%5.1f%% %s' % (n * 100 / total, f))
