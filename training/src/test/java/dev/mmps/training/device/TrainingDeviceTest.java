package dev.mmps.training.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.engine.StandardCapabilities;
import dev.mmps.settings.ValidationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The device setting against what the real PyTorch engine of the test classpath reports. */
class TrainingDeviceTest {

    @AfterEach
    void backToAuto() {
        TrainingDevice.choose(DeviceSetting.AUTO);
    }

    @Test
    void autoTakesTheGpuOnlyWhenDjlReportsOne() {
        Engine engine = Engine.getInstance();
        Device auto = TrainingDevice.choose(DeviceSetting.AUTO);
        assertEquals(TrainingDevice.gpuAvailable(engine) ? Device.gpu() : Device.cpu(), auto);
        assertEquals(auto, TrainingDevice.current());
        if (!engine.hasCapability(StandardCapabilities.CUDA)) {
            // The tests' classpath bundles the CPU build of libtorch: auto must not try a GPU with it.
            assertEquals(Device.cpu(), auto);
        }
    }

    @Test
    void cpuIsTheCpuEvenWhereThereIsAGpu() {
        assertEquals(Device.cpu(), TrainingDevice.choose(DeviceSetting.CPU));
        assertEquals(Device.cpu(), TrainingDevice.current());
        assertTrue(TrainingDevice.describe(Device.cpu()).startsWith("cpu (DJL PyTorch "));
    }

    @Test
    void gpuWithoutOneIsRefusedNamingWhatToCheck() {
        assumeFalse(TrainingDevice.gpuAvailable(Engine.getInstance()), "this machine has a GPU");
        TrainingDevice.choose(DeviceSetting.CPU);
        ValidationException e = assertThrows(ValidationException.class, () -> TrainingDevice.choose(DeviceSetting.GPU));
        for (String word : new String[] {"device gpu", "found none", "driver", "nvidia-smi", "flavour",
            "PYTORCH_FLAVOR=cu128", "MMPS_DEVICE=gpu", "PYTORCH_LIBRARY_PATH", "--device cpu"}) {
            assertTrue(e.getMessage().contains(word), "'" + word + "' missing from: " + e.getMessage());
        }
        if (!Engine.getInstance().hasCapability(StandardCapabilities.CUDA)) {
            assertTrue(e.getMessage().contains("is a CPU build"), e.getMessage());
        }
        // A refused choice leaves the earlier one in place.
        assertEquals(Device.cpu(), TrainingDevice.current());
    }

    @Test
    void settingsParseInAnyCaseAndRefuseOtherNames() {
        assertEquals(DeviceSetting.GPU, DeviceSetting.parse("GPU"));
        assertEquals(DeviceSetting.AUTO, DeviceSetting.parse(" auto "));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DeviceSetting.parse("cuda"));
        assertEquals("'cuda' is not a device: use auto, cpu, gpu", e.getMessage());
    }
}
