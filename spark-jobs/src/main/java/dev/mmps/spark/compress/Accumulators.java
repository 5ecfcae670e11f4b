package dev.mmps.spark.compress;

import dev.mmps.images.ImageFailure;
import dev.mmps.spark.sink.FactorRows;
import java.io.Serializable;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.LongAccumulator;

/**
 * What the tasks report back besides the factor rows: progress, the statistics, and the error
 * rows (one short row per input that failed). Spark merges accumulator updates only from
 * successful task attempts, and the write's tasks are the job's final stage, so nothing is
 * counted twice.
 *
 * @param done inputs processed, for progress lines
 * @param tally statistics of every input
 * @param errors error rows
 */
record Accumulators(LongAccumulator done, Tally tally, CollectionAccumulator<Row> errors) implements Serializable {

    /**
     * Registers the accumulators. The tally and the error rows are unnamed: Spark's status
     * listener renders named accumulators' values after every task.
     */
    static Accumulators register(SparkContext spark) {
        Tally tally = new Tally();
        spark.register(tally);
        CollectionAccumulator<Row> errors = new CollectionAccumulator<>();
        spark.register(errors);
        return new Accumulators(spark.longAccumulator("mmps-images"), tally, errors);
    }

    void fail(FactorRows.Origin origin, ImageFailure failure) {
        tally.add(Tally.Image.failed(origin.bytes()));
        errors.add(FactorRows.errorRow(origin, failure));
    }
}
