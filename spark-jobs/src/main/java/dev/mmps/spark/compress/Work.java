package dev.mmps.spark.compress;

import dev.mmps.spark.ingest.InputScan;
import dev.mmps.spark.sink.FactorRows;
import dev.mmps.spark.sink.DeltaOutput;
import dev.mmps.spark.sink.OutputFolder;
import dev.mmps.table.TableManifest;
import java.io.IOException;
import java.util.HashSet;
import java.util.Set;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * What a compress run has to do, decided before it writes anything: which listed files to compress, and
 * what of an existing table it keeps. A full run compresses every listed file; an incremental run
 * ({@link IncrementalRun.Plan}) compresses the new and changed ones and carries the rest of the table
 * over. The job executes either the same way.
 */
sealed interface Work extends AutoCloseable {

    /** The listed files to compress ({@code path, modificationTime, length}); for IDX input, the whole listing. */
    Dataset<Row> todo();

    /** How many files {@link #todo} lists. */
    long todoCount();

    /** Whether there is nothing to do, so nothing is written. */
    boolean upToDate();

    /**
     * Moves the table's unchanged part files into the staged output and returns the old rows to write
     * beside the new ones, or null when there are none.
     */
    Dataset<Row> carry(SparkSession spark, OutputFolder output) throws IOException;

    /**
     * The rows of the existing table's version that stay in it, read in place (an output of Delta tables
     * keeps them where they are), or null for a full run.
     */
    Dataset<Row> kept(SparkSession spark);

    /** Commits the staged rows as the factor table's new version, with {@code manifest} in the commit. */
    void commitDelta(SparkSession spark, Path target, Dataset<Row> staged, TableManifest manifest, int rowGroupMb);

    /** Old error rows that stay in the table, or null when there are none to carry (a full run). */
    Dataset<Row> carriedErrors(SparkSession spark);

    /** Rows of files no longer in the input that stay in the table. */
    long keptRemoved();

    /**
     * The statistics of the whole new table, from those of the rows this run wrote and the error rows.
     *
     * @param written the tally of the rows this run compressed
     * @param table the new table's factor rows
     */
    Tally tally(SparkSession spark, Tally written, Dataset<Row> table, Dataset<Row> errors);

    /** The manifest's {@code incremental} section, or null for a full run. */
    TableManifest.Incremental incremental();

    @Override
    void close();

    /** Every listed file, into a new table. */
    record Full(InputScan scan) implements Work {

        @Override
        public Dataset<Row> todo() {
            return scan.listedFiles();
        }

        @Override
        public long todoCount() {
            return scan.files() - scan.issues().size();
        }

        @Override
        public boolean upToDate() {
            return false;
        }

        @Override
        public Dataset<Row> carry(SparkSession spark, OutputFolder output) {
            return null;
        }

        @Override
        public Dataset<Row> kept(SparkSession spark) {
            return null;
        }

        @Override
        public void commitDelta(SparkSession spark, Path target, Dataset<Row> staged, TableManifest manifest,
                int rowGroupMb) {
            DeltaOutput.replaceFactors(spark, target, staged, manifest, rowGroupMb);
        }

        @Override
        public Dataset<Row> carriedErrors(SparkSession spark) {
            return null;
        }

        @Override
        public long keptRemoved() {
            return 0;
        }

        @Override
        public Tally tally(SparkSession spark, Tally written, Dataset<Row> table, Dataset<Row> errors) {
            return written;
        }

        @Override
        public TableManifest.Incremental incremental() {
            return null;
        }

        @Override
        public void close() {}
    }

    /**
     * An incremental run's work: nothing when the input is unchanged since the table was made ({@link Unchanged}),
     * else what comparing the listing with the table finds ({@link Update}).
     */
    static Work incremental(SparkSession spark, IncrementalRun.Table table, InputScan scan, boolean prune) {
        IncrementalRun.checkRoot(table, scan.rootUri());
        long listed = scan.files() - scan.issues().size();
        if (IncrementalRun.unchanged(table, scan.listingDigest(), prune)) {
            return new Unchanged(IncrementalRun.unchangedRun(table, listed, prune));
        }
        return Update.of(spark, table, scan, prune);
    }

    /** An input the walk found exactly as the table was made from it: nothing to compare or write. */
    record Unchanged(TableManifest.Incremental incremental) implements Work {

        private static IllegalStateException nothingToDo() {
            return new IllegalStateException("an unchanged input has nothing to compress; the job writes nothing");
        }

        @Override
        public Dataset<Row> todo() {
            throw nothingToDo();
        }

        @Override
        public long todoCount() {
            return 0;
        }

        @Override
        public boolean upToDate() {
            return true;
        }

        @Override
        public Dataset<Row> carry(SparkSession spark, OutputFolder output) {
            throw nothingToDo();
        }

        @Override
        public Dataset<Row> kept(SparkSession spark) {
            throw nothingToDo();
        }

        @Override
        public void commitDelta(SparkSession spark, Path target, Dataset<Row> staged, TableManifest manifest,
                int rowGroupMb) {
            throw nothingToDo();
        }

        @Override
        public Dataset<Row> carriedErrors(SparkSession spark) {
            throw nothingToDo();
        }

        @Override
        public long keptRemoved() {
            return incremental.removed();
        }

        @Override
        public Tally tally(SparkSession spark, Tally written, Dataset<Row> table, Dataset<Row> errors) {
            throw nothingToDo();
        }

        @Override
        public void close() {}
    }

    /** New and changed files into an existing table, the rest of it carried over. */
    record Update(IncrementalRun.Plan plan) implements Work {

        /** Compares the listing with the table (see {@link IncrementalRun#compare}). */
        static Update of(SparkSession spark, IncrementalRun.Table table, InputScan scan, boolean prune) {
            String rootPath = StageSettings.rootPath(scan.rootUri());
            Set<String> issueIds = new HashSet<>();
            scan.issues().forEach(issue -> issueIds.add(FactorRows.Origin.relativeId(rootPath, issue.uri())));
            return new Update(IncrementalRun.compare(spark, table, scan.listedFiles(),
                    scan.files() - scan.issues().size(), issueIds, prune));
        }

        @Override
        public Dataset<Row> todo() {
            return plan.todo();
        }

        @Override
        public long todoCount() {
            return plan.todoCount();
        }

        @Override
        public boolean upToDate() {
            return plan.upToDate();
        }

        @Override
        public Dataset<Row> carry(SparkSession spark, OutputFolder output) throws IOException {
            return IncrementalRun.carry(spark, plan, output);
        }

        @Override
        public Dataset<Row> kept(SparkSession spark) {
            return IncrementalRun.kept(spark, plan);
        }

        @Override
        public void commitDelta(SparkSession spark, Path target, Dataset<Row> staged, TableManifest manifest,
                int rowGroupMb) {
            DeltaOutput.mergeFactors(spark, target, staged, plan.dropped(), manifest, rowGroupMb);
        }

        @Override
        public Dataset<Row> carriedErrors(SparkSession spark) {
            return plan.carriedErrors();
        }

        @Override
        public long keptRemoved() {
            return plan.keptRemoved();
        }

        /** The table holds carried rows too: counted again from its statistics columns. */
        @Override
        public Tally tally(SparkSession spark, Tally written, Dataset<Row> table, Dataset<Row> errors) {
            return IncrementalRun.tally(spark, table, errors);
        }

        @Override
        public TableManifest.Incremental incremental() {
            return plan.describe();
        }

        @Override
        public void close() {
            plan.close();
        }
    }
}
