package dev.mmps.table;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mmps.settings.ValidationException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;

/**
 * One version of a Delta table, replayed from its {@code _delta_log} without Spark: the Parquet files
 * that make up the version, and the mmps manifest its commit carries. This is how the readers that do not
 * run Spark (the Java reader, {@code inspect}, the training stage) read an output written with
 * {@code output-format.table = delta}: listing the folder would also find files of older versions and of
 * commits that never finished.
 *
 * <p>The replay starts at the newest classic checkpoint at or before the version (one Parquet file, or
 * every part of a multi-part one) and applies the JSON commits after it: {@code add} puts a file into the
 * version, {@code remove} takes it out. It reads what the Delta protocol's reader version 1 defines and
 * refuses, with a message, tables that need more (column mapping, deletion vectors, v2 checkpoints,
 * partition columns); mmps never writes those.
 *
 * @param table the table's folder
 * @param version the version replayed
 * @param files the version's data files, in path order
 * @param userMetadata the newest {@code commitInfo.userMetadata} at or before the version (mmps keeps its
 *     manifest there), or null when no commit carries one
 */
public record DeltaSnapshot(Path table, long version, List<DataFile> files, String userMetadata) {

    /** The log folder of a Delta table. */
    public static final String LOG = "_delta_log";

    /** Reader features whose files this replay reads correctly; anything else is refused. */
    private static final Set<String> READER_FEATURES = Set.of("timestampNtz", "vacuumProtocolCheck");
    private static final Pattern COMMIT = Pattern.compile("(\\d{20})\\.json");
    private static final Pattern CHECKPOINT = Pattern.compile("(\\d{20})\\.checkpoint(?:\\.(\\d{10})\\.(\\d{10}))?"
            + "\\.parquet");
    private static final ObjectMapper JSON = new ObjectMapper();

    public DeltaSnapshot {
        files = List.copyOf(files);
    }

    /** A data file of a version: its full path and size in bytes. */
    public record DataFile(Path path, long size) {}

    /** Total bytes of the version's data files. */
    public long bytes() {
        return files.stream().mapToLong(DataFile::size).sum();
    }

    /** The paths of the version's data files. */
    public List<Path> paths() {
        return files.stream().map(DataFile::path).toList();
    }

    /** Whether {@code folder} holds a Delta table (a {@code _delta_log} folder). */
    public static boolean isDelta(Path folder, Configuration conf) {
        try {
            return folder.getFileSystem(conf).exists(new Path(folder, LOG));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot look at " + folder + ": " + e.getMessage(), e);
        }
    }

    /**
     * Replays the table at {@code table} to {@code version}.
     *
     * @param version the version to read, or null for the newest
     * @throws ValidationException if the version does not exist, the log lacks commits it needs, or the
     *     table uses a Delta feature this replay does not read
     */
    public static DeltaSnapshot read(Path table, Long version, Configuration conf) {
        try {
            FileSystem fs = table.getFileSystem(conf);
            Log log = Log.list(fs, new Path(table, LOG));
            if (log.commits.isEmpty()) {
                throw new ValidationException(table + " has a " + LOG + " folder without commits: the table was never "
                        + "written completely; write it again");
            }
            long newest = log.commits.last();
            long target = version == null ? newest : version;
            if (target < log.commits.first() && !log.checkpoints.containsKey(target) || target > newest
                    || target < 0) {
                throw new ValidationException(table + " has no version " + target + ": it holds versions "
                        + log.commits.first() + " to " + newest + "; name one of those");
            }
            Replay replay = new Replay(table);
            Map.Entry<Long, List<Path>> checkpoint = log.checkpoints.floorEntry(target);
            long from = 0;
            if (checkpoint != null) {
                for (Path part : checkpoint.getValue()) {
                    replay.checkpoint(part, conf);
                }
                from = checkpoint.getKey() + 1;
            }
            for (long v = from; v <= target; v++) {
                if (!log.commits.contains(v)) {
                    throw new ValidationException(table + " cannot be read at version " + target + ": its log lacks "
                            + "commit " + v + " (removed by the table's log retention); read a newer version");
                }
                replay.commit(fs, log.commit(v));
            }
            replay.checkReadable();
            String metadata = null;
            for (long v = target; v >= log.commits.first() && metadata == null; v--) {
                if (log.commits.contains(v)) {
                    metadata = userMetadata(fs, log.commit(v));
                }
            }
            return new DeltaSnapshot(table, target, replay.files(), metadata);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the Delta log of " + table + ": " + e.getMessage(), e);
        }
    }

    /** The newest version of the table at {@code table}. */
    public static long newestVersion(Path table, Configuration conf) {
        try {
            Log log = Log.list(table.getFileSystem(conf), new Path(table, LOG));
            if (log.commits.isEmpty()) {
                throw new ValidationException(table + " has a " + LOG + " folder without commits; write it again");
            }
            return log.commits.last();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the Delta log of " + table + ": " + e.getMessage(), e);
        }
    }

    private static String userMetadata(FileSystem fs, Path commit) throws IOException {
        for (JsonNode action : actions(fs, commit)) {
            JsonNode text = action.path("commitInfo").path("userMetadata");
            if (text.isTextual()) {
                return text.asText();
            }
        }
        return null;
    }

    private static List<JsonNode> actions(FileSystem fs, Path commit) throws IOException {
        List<JsonNode> actions = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(fs.open(commit), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (!line.isBlank()) {
                    actions.add(JSON.readTree(line));
                }
            }
        }
        return actions;
    }

    /** The files of a log folder: commit versions and complete checkpoints by version. */
    private record Log(Path folder, TreeSet<Long> commits, TreeMap<Long, List<Path>> checkpoints) {

        static Log list(FileSystem fs, Path folder) throws IOException {
            TreeSet<Long> commits = new TreeSet<>();
            Map<Long, List<Path>> parts = new LinkedHashMap<>();
            Map<Long, Integer> expected = new LinkedHashMap<>();
            for (FileStatus f : fs.listStatus(folder)) {
                String name = f.getPath().getName();
                Matcher commit = COMMIT.matcher(name);
                Matcher checkpoint = CHECKPOINT.matcher(name);
                if (commit.matches()) {
                    commits.add(Long.parseLong(commit.group(1)));
                } else if (checkpoint.matches()) {
                    long v = Long.parseLong(checkpoint.group(1));
                    parts.computeIfAbsent(v, k -> new ArrayList<>()).add(f.getPath());
                    expected.put(v, checkpoint.group(3) == null ? 1 : Integer.parseInt(checkpoint.group(3)));
                }
            }
            TreeMap<Long, List<Path>> checkpoints = new TreeMap<>();
            parts.forEach((v, files) -> {
                if (files.size() == expected.get(v)) {
                    files.sort(Path::compareTo);
                    checkpoints.put(v, files);
                }
            });
            return new Log(folder, commits, checkpoints);
        }

        Path commit(long version) {
            return new Path(folder, String.format("%020d.json", version));
        }
    }

    /** The state of a replay: data files by their path as the log writes it, and the protocol. */
    private static final class Replay {

        private final Path table;
        private final Map<String, DataFile> files = new TreeMap<>();
        private int readerVersion = 1;
        private final List<String> readerFeatures = new ArrayList<>();
        private final List<String> partitionColumns = new ArrayList<>();
        private String columnMapping = "none";

        Replay(Path table) {
            this.table = table;
        }

        void commit(FileSystem fs, Path commit) throws IOException {
            for (JsonNode action : actions(fs, commit)) {
                if (action.has("add")) {
                    JsonNode add = action.get("add");
                    refuseDeletionVector(!add.path("deletionVector").isMissingNode()
                            && !add.path("deletionVector").isNull());
                    String path = add.get("path").asText();
                    files.put(path, new DataFile(resolve(path), add.path("size").asLong()));
                } else if (action.has("remove")) {
                    files.remove(action.get("remove").get("path").asText());
                } else if (action.has("protocol")) {
                    JsonNode p = action.get("protocol");
                    readerVersion = p.path("minReaderVersion").asInt(1);
                    readerFeatures.clear();
                    p.path("readerFeatures").forEach(f -> readerFeatures.add(f.asText()));
                } else if (action.has("metaData")) {
                    JsonNode m = action.get("metaData");
                    partitionColumns.clear();
                    m.path("partitionColumns").forEach(c -> partitionColumns.add(c.asText()));
                    columnMapping = m.path("configuration").path("delta.columnMapping.mode").asText("none");
                }
            }
        }

        /** A checkpoint holds the version's state: its live files, protocol and metadata. */
        void checkpoint(Path part, Configuration conf) throws IOException {
            try (ParquetReader<Group> reader = ParquetReader.builder(new GroupReadSupport(), part).withConf(conf)
                    .build()) {
                for (Group g = reader.read(); g != null; g = reader.read()) {
                    if (present(g, "add")) {
                        Group add = g.getGroup("add", 0);
                        refuseDeletionVector(present(add, "deletionVector"));
                        String path = add.getString("path", 0);
                        files.put(path, new DataFile(resolve(path), add.getLong("size", 0)));
                    } else if (present(g, "protocol")) {
                        Group p = g.getGroup("protocol", 0);
                        readerVersion = p.getInteger("minReaderVersion", 0);
                        readerFeatures.clear();
                        if (present(p, "readerFeatures")) {
                            readerFeatures.addAll(listOfStrings(p.getGroup("readerFeatures", 0)));
                        }
                    } else if (present(g, "metaData")) {
                        Group m = g.getGroup("metaData", 0);
                        partitionColumns.clear();
                        if (present(m, "partitionColumns")) {
                            partitionColumns.addAll(listOfStrings(m.getGroup("partitionColumns", 0)));
                        }
                        columnMapping = present(m, "configuration")
                                ? mapValue(m.getGroup("configuration", 0), "delta.columnMapping.mode", "none") : "none";
                    }
                }
            }
        }

        void checkReadable() {
            String what = null;
            if (readerVersion > 3) {
                what = "Delta reader version " + readerVersion;
            } else if (readerVersion >= 2 && !"none".equals(columnMapping)) {
                what = "column mapping (" + columnMapping + ")";
            } else if (!READER_FEATURES.containsAll(readerFeatures.stream().filter(f -> !"deletionVectors".equals(f))
                    .filter(f -> !"columnMapping".equals(f) || "none".equals(columnMapping)).toList())) {
                what = "the Delta reader features " + readerFeatures;
            } else if (!partitionColumns.isEmpty()) {
                what = "partition columns " + partitionColumns;
            }
            if (what != null) {
                throw new ValidationException(table + " uses " + what + ", which mmps's readers do not replay (mmps "
                        + "never writes it); read the table with Spark's format(\"delta\"), or rewrite it with mmps");
            }
        }

        List<DataFile> files() {
            return List.copyOf(files.values());
        }

        private void refuseDeletionVector(boolean present) {
            if (present) {
                throw new ValidationException(table + " has rows deleted through deletion vectors, which mmps's "
                        + "readers do not apply (mmps never writes them); rewrite the table without them (REORG TABLE "
                        + "... APPLY (PURGE) in Spark) or read it with Spark's format(\"delta\")");
            }
        }

        /** A data file's path in the log: a URI, relative to the table unless absolute. */
        private Path resolve(String logged) {
            try {
                URI uri = new URI(logged);
                return uri.isAbsolute() ? new Path(uri) : new Path(table, new Path(uri.getPath()));
            } catch (URISyntaxException e) {
                throw new ValidationException(table + "'s log names a data file that is not a URI: " + logged
                        + "; the table is damaged", e);
            }
        }

        private static boolean present(Group g, String field) {
            return g.getType().containsField(field) && g.getFieldRepetitionCount(field) > 0;
        }

        /** The strings of a Parquet LIST group (repeated {@code list} of {@code element}). */
        private static List<String> listOfStrings(Group list) {
            List<String> values = new ArrayList<>();
            String repeated = list.getType().getType(0).getName();
            for (int i = 0; i < list.getFieldRepetitionCount(repeated); i++) {
                Group item = list.getGroup(repeated, i);
                if (item.getFieldRepetitionCount(0) > 0) {
                    values.add(item.getString(0, 0));
                }
            }
            return values;
        }

        /** The value of {@code key} in a Parquet MAP group of strings, or {@code otherwise}. */
        private static String mapValue(Group map, String key, String otherwise) {
            String repeated = map.getType().getType(0).getName();
            for (int i = 0; i < map.getFieldRepetitionCount(repeated); i++) {
                Group entry = map.getGroup(repeated, i);
                if (key.equals(entry.getString(0, 0)) && entry.getFieldRepetitionCount(1) > 0) {
                    return entry.getString(1, 0);
                }
            }
            return otherwise;
        }
    }
}
