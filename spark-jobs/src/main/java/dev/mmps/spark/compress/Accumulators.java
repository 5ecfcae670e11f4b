package dev.mmps.spark.compress;

import dev.mmps.images.ImageFailure;
import dev.mmps.spark.sink.ErrorParts;
import dev.mmps.spark.sink.FactorRows;
import java.io.Serializable;
import org.apache.spark.SparkContext;
import org.apache.spark.util.LongAccumulator;

/**
 * What the tasks report besides the factor rows: progress and the statistics through accumulators, and
 * the error rows (one short row per input that failed) as parts they write themselves, so that the
 * driver holds nothing per input. Spark merges accumulator updates only from successful task attempts,
 * and the write's tasks are the job's final stage, so nothing is counted twice.
 *
 * @param done inputs processed, for progress lines
 * @param tally statistics of every input
 * @param errors where the error rows go
 */
record Accumulators(LongAccumulator done, Tally tally, ErrorParts errors) implements Serializable {

    /**
     * Registers the accumulators. The tally is unnamed: Spark's status listener renders named accumulators'
     * values after every task.
     */
    static Accumulators register(SparkContext spark, ErrorParts errors) {
        Tally tally = new Tally();
        spark.register(tally);
        return new Accumulators(spark.longAccumulator("mmps-images"), tally, errors);
    }

    void fail(FactorRows.Origin origin, ImageFailure failure, ErrorParts.Writer task) {
        tally.add(Tally.Image.failed(origin.bytes()));
        task.add(FactorRows.errorRow(origin, failure));
    }
}
