package dev.mmps.spark.ingest;

import dev.mmps.spark.sink.FactorRows;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Which inputs a run decodes on the driver to search the layout and calibrate the rank profile: the {@code n}
 * non-empty files whose ids (paths below the input root, as the rows store them) have the smallest {@link #key}.
 *
 * <p>The key is a hash, so the sample is spread evenly over the input whatever its order: a tree of class folders
 * gives a sample of many classes (the first files in path order would all be the first class's), and copies of a
 * file under other names are drawn independently. It depends on the ids alone, so the same files give the same
 * sample wherever the tree is mounted, and {@code compress} and the Spark ML encoder draw the same one. A walk keeps
 * the sample in memory of its size, whatever the number of files.
 */
public final class CalibrationSample {

    private CalibrationSample() {}

    /**
     * A 64-bit hash of an input's id: FNV-1a over its UTF-16 characters, then the finaliser of MurmurHash3, whose
     * mixing makes ids that differ in one character land far apart.
     */
    public static long key(String id) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < id.length(); i++) {
            h ^= id.charAt(i);
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    /** The id of {@code uri} below the root of decoded path {@code rootPath} (ending in '/'), as rows store it. */
    static String id(String rootPath, String uri) {
        // The walk's URIs quote nothing in most names; then the id is the text after the root's path, which starts
        // after "scheme:" or after "scheme://authority".
        if (uri.indexOf('%') < 0) {
            int path = uri.indexOf(':') + 1;
            if (uri.startsWith("//", path)) {
                path = uri.indexOf('/', path + 2);
            }
            if (path > 0 && uri.startsWith(rootPath, path)) {
                return uri.substring(path + rootPath.length());
            }
        }
        return FactorRows.Origin.relativeId(rootPath, uri);
    }

    /** The {@code size} inputs of smallest key seen so far, in memory of that size. */
    static final class Smallest {
        private record Entry(long key, String uri) {}

        private static final Comparator<Entry> ORDER = Comparator.comparingLong(Entry::key)
                .thenComparing(Entry::uri);

        private final int size;
        /** The largest entry at the head, so that it is the one to drop. */
        private final PriorityQueue<Entry> kept = new PriorityQueue<>(ORDER.reversed());

        Smallest(int size) {
            this.size = size;
        }

        void offer(String id, String uri) {
            if (size <= 0) {
                return;
            }
            long key = key(id);
            if (kept.size() == size) {
                Entry largest = kept.peek();
                if (key > largest.key() || (key == largest.key() && uri.compareTo(largest.uri()) >= 0)) {
                    return;
                }
                kept.poll();
            }
            kept.add(new Entry(key, uri));
        }

        /** The kept URIs in path order. */
        List<String> uris() {
            List<String> out = new ArrayList<>();
            kept.forEach(e -> out.add(e.uri()));
            out.sort(Comparator.naturalOrder());
            return out;
        }
    }
}
