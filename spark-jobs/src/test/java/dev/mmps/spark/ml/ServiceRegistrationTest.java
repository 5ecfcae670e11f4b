package dev.mmps.spark.ml;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmps.spark.source.MmpsDataSource;
import java.util.List;
import java.util.ServiceLoader;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.Transformer;
import org.apache.spark.sql.sources.DataSourceRegister;
import org.junit.jupiter.api.Test;

/** The stages and the data source are found the way Spark Connect's ML service and format("mmps") look them up. */
class ServiceRegistrationTest {

    @Test
    void theStagesAndTheDataSourceAreRegistered() {
        assertTrue(types(Estimator.class).contains(MmpsEncoder.class));
        assertTrue(types(Transformer.class).containsAll(List.of(MmpsEncoderModel.class, MmpsDecoder.class)));
        assertTrue(types(DataSourceRegister.class).contains(MmpsDataSource.class));
        assertTrue(new MmpsDataSource().shortName().equals("mmps"));
    }

    private static List<Class<?>> types(Class<?> service) {
        return ServiceLoader.load(service).stream().<Class<?>>map(ServiceLoader.Provider::type).toList();
    }
}
