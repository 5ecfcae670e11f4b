package dev.mmps.spark.config;

import java.util.List;
import java.util.function.Function;

/**
 * Every setting of the compress job, once: its key in {@code conf/reference.conf} (where each is
 * documented), the keys it is read from, what it means for a table that later runs add to, and how a
 * run's value is recorded in the manifest's {@code config}. {@link ConfigLoader} reads each key through
 * this catalogue, the manifest records {@link #recorded} values in this order, and an incremental run
 * checks the table's recorded values through {@link #role}, so a new setting that is added here is
 * loaded, recorded and checked alike; {@code JobSettingTest} keeps the catalogue and
 * {@code reference.conf} in step.
 */
public enum JobSetting {

    INPUT("input", Role.RUN, JobConfig::input),
    OUTPUT("output", Role.RUN, JobConfig::output),
    OVERWRITE("overwrite", Role.RUN, JobConfig::overwrite),
    INCREMENTAL("incremental", Role.RUN, JobConfig::incremental),
    PRUNE("prune", Role.RUN, JobConfig::prune),
    SPARK_MASTER("spark.master", Role.RUN, c -> c.spark().master()),
    SPARK_APP_NAME("spark.app-name", Role.RUN, c -> c.spark().appName()),
    SPARK_PARTITIONS("spark.partitions", Role.RUN, c -> c.spark().partitions()),
    SPARK_UI("spark.ui", Role.RUN, c -> c.spark().ui()),
    SIZE("ingest.size", Role.ROWS, c -> c.ingest().sizeLabel()),
    CHANNELS("ingest.channels", Role.ROWS, c -> c.ingest().channels().label()),
    DECODER("ingest.decoder", Role.RUN, c -> c.ingest().decoder().label()),
    MAX_PIXELS("ingest.max-pixels", Role.RUN, c -> c.ingest().maxPixels()),
    MAX_FILE_BYTES("ingest.max-file-bytes", Role.RUN, c -> c.ingest().maxFileBytes()),
    CODEC("compression.codec", Role.ROWS, c -> c.compression().codec().name()),
    PRECISION("compression.precision", Role.ROWS, c -> c.compression().precision().label()),
    /** Recorded as the one the user chose, e.g. {@code ratio=0.3}: read from three keys. */
    TRUNCATION("compression.truncation", Role.ROWS, c -> c.compression().truncationLabel(),
            List.of("compression.ratio", "compression.max-bond", "compression.epsilon"), null),
    STAGES("compression.stages", Role.ROWS, c -> c.compression().stages()),
    LAYOUT("compression.layout", Role.LAYOUT, c -> c.compression().layout().layoutLabel()),
    ORDER("compression.order", Role.LAYOUT, c -> c.compression().layout().orderLabel()),
    MPS_CORES("compression.mps-cores", Role.LAYOUT, c -> c.compression().layout().coresLabel()),
    ROUTE("compression.route", Role.RUN, c -> c.compression().route()),
    CALIBRATION_IMAGES("compression.calibration-images", Role.RUN, c -> c.compression().calibrationImages()),
    TUCKER_HOOI_SWEEPS("compression.tucker.hooi-sweeps", Role.ROWS, c -> c.compression().codec().hooiSweeps(),
            "tucker"),
    TUCKER_ENERGY("compression.tucker.energy", Role.ROWS, c -> c.compression().codec().tuckerEnergy(), "tucker"),
    CP_MAX_SWEEPS("compression.cp.max-sweeps", Role.ROWS, c -> c.compression().codec().cpSweeps(), "cp"),
    CP_TOLERANCE("compression.cp.tolerance", Role.ROWS, c -> c.compression().codec().cpTolerance(), "cp"),
    CP_SEED("compression.cp.seed", Role.ROWS, c -> c.compression().codec().cpSeed(), "cp"),
    ROW_GROUP_MB("output-format.row-group-mb", Role.RUN, JobConfig::rowGroupMb),
    /** An incremental run adds to the table in the format it has. */
    TABLE_FORMAT("output-format.table", Role.ROWS, c -> c.tableFormat().label()),
    PROGRESS_SECONDS("progress-interval-seconds", Role.RUN, JobConfig::progressSeconds);

    /** What a setting means for the runs that build one table together ({@code --incremental}). */
    public enum Role {
        /** May differ from run to run: where the data is, how the work runs, limits. */
        RUN,
        /** Shapes the rows: an incremental run must have the table's value. */
        ROWS,
        /** The tensor layout: an incremental run takes the table's, and refuses another one given explicitly. */
        LAYOUT
    }

    private final String key;
    private final Role role;
    private final Function<JobConfig, Object> recorded;
    private final List<String> sources;
    private final String codec;

    JobSetting(String key, Role role, Function<JobConfig, Object> recorded) {
        this(key, role, recorded, List.of(key), null);
    }

    JobSetting(String key, Role role, Function<JobConfig, Object> recorded, String codec) {
        this(key, role, recorded, List.of(key), codec);
    }

    JobSetting(String key, Role role, Function<JobConfig, Object> recorded, List<String> sources, String codec) {
        this.key = key;
        this.role = role;
        this.recorded = recorded;
        this.sources = List.copyOf(sources);
        this.codec = codec;
    }

    /** The key under {@code mmps} in {@code reference.conf}, and in the manifest's {@code config}. */
    public String key() {
        return key;
    }

    public Role role() {
        return role;
    }

    /** The {@code reference.conf} keys the value is read from: the key itself, or the three truncations. */
    public List<String> sources() {
        return sources;
    }

    /** Whether a run with these settings records this one: a baseline's settings only for that baseline. */
    public boolean applies(JobConfig config) {
        return codec == null || codec.equals(config.compression().codec().name());
    }

    /** The value as the manifest records it (numbers, booleans, text: what a user would write). */
    public Object recorded(JobConfig config) {
        return recorded.apply(config);
    }

    /** Whether a recorded value and this run's are the same setting (numbers compare as numbers). */
    public static boolean sameValue(Object recorded, Object now) {
        if (recorded instanceof Number a && now instanceof Number b) {
            return a.doubleValue() == b.doubleValue();
        }
        return String.valueOf(recorded).equals(String.valueOf(now));
    }
}
