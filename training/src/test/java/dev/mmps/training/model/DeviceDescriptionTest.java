package dev.mmps.training.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import org.junit.jupiter.api.Test;

/** The line every training command starts with names the device DJL trains on and the engine build. */
class DeviceDescriptionTest {

    @Test
    void namesTheDeviceTheEngineAndItsThreads() {
        String line = Classifier.deviceDescription();
        assertEquals(1, line.lines().count(), line);
        assertTrue(line.startsWith(Classifier.device().isGpu() ? "gpu " + Classifier.device().getDeviceId() + " of "
                : "cpu ("), line);
        assertTrue(line.contains("DJL PyTorch " + Engine.getInstance().getVersion()), line);
        if (!Classifier.device().isGpu()) {
            // surefire passes ai.djl.pytorch.num_threads, as bin/mmps does
            assertTrue(line.contains(System.getProperty("ai.djl.pytorch.num_threads") + " threads"), line);
        }
    }
}
