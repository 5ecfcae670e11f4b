package dev.mmps.training.device;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.engine.StandardCapabilities;
import ai.djl.util.cuda.CudaUtils;
import dev.mmps.settings.ValidationException;
import java.util.Locale;

/**
 * The device this process trains on. A command chooses it once, from its {@link DeviceSetting}, before it
 * makes a model; every model, and every array made for a model, is placed there. Until a command chooses,
 * it is DJL's own first device (the {@code auto} rule).
 */
public final class TrainingDevice {

    /** What to look at when a GPU was asked for and none was found; README "Training on a GPU" explains each. */
    static final String WHAT_TO_CHECK = "check the NVIDIA driver (nvidia-smi must list the GPU), the libtorch "
            + "flavour (start with MMPS_DEVICE=gpu bin/mmps ..., which leaves the bundled CPU libtorch out and loads "
            + "the CUDA build PYTORCH_FLAVOR=cu128 of PyTorch 2.7.1) and the library path (PYTORCH_LIBRARY_PATH, if "
            + "set, must be a folder holding a CUDA libtorch 2.7.1 with its lib*.so files); or run with --device cpu";

    private static volatile Device chosen;

    private TrainingDevice() {}

    /**
     * Chooses the device for the rest of the process.
     *
     * @throws ValidationException if {@code gpu} was asked for and DJL reports no GPU, or the engine cannot be
     *     loaded at all; the message says what to check
     */
    public static Device choose(DeviceSetting setting) {
        Device device = resolve(setting, engine(setting));
        chosen = device;
        return device;
    }

    /** The chosen device, or DJL's first one (a GPU when there is one) if no command chose yet. */
    public static Device current() {
        Device device = chosen;
        return device != null ? device : resolve(DeviceSetting.AUTO, Engine.getInstance());
    }

    /** Whether DJL's engine can place arrays on a GPU: a CUDA build of libtorch that sees at least one. */
    public static boolean gpuAvailable(Engine engine) {
        return engine.hasCapability(StandardCapabilities.CUDA) && engine.getGpuCount() > 0;
    }

    static Device resolve(DeviceSetting setting, Engine engine) {
        return switch (setting) {
            case CPU -> Device.cpu();
            case AUTO -> gpuAvailable(engine) ? Device.gpu() : Device.cpu();
            case GPU -> {
                if (!gpuAvailable(engine)) {
                    throw new ValidationException("device gpu (from --device, evaluation.device or MMPS_DEVICE) asks "
                            + "for a GPU, but DJL found none: " + whyNoGpu(engine) + "; " + WHAT_TO_CHECK);
                }
                yield Device.gpu();
            }
        };
    }

    private static String whyNoGpu(Engine engine) {
        String build = "libtorch " + engine.getVersion();
        if (!engine.hasCapability(StandardCapabilities.CUDA)) {
            return "the loaded " + build + " is a CPU build";
        }
        String visible = System.getenv("CUDA_VISIBLE_DEVICES");
        return "the loaded " + build + " is a CUDA build but sees no GPU"
                + (visible == null ? "" : " (CUDA_VISIBLE_DEVICES=" + visible + ")");
    }

    private static Engine engine(DeviceSetting setting) {
        try {
            return Engine.getInstance();
        } catch (EngineException e) {
            // The engine loads libtorch on first use: a CUDA flavour that could not be downloaded, or a library
            // folder without libtorch, ends here.
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            String why = root == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + root + ")";
            throw new ValidationException("DJL could not load the PyTorch engine for device " + setting.label()
                    + ": " + why + "; a first run on the GPU downloads libtorch from publish.djl.ai (is it "
                    + "reachable?) unless PYTORCH_LIBRARY_PATH names a libtorch folder; " + WHAT_TO_CHECK, e);
        }
    }

    /**
     * A device in one line, for the start of a command: {@code cpu (DJL PyTorch 2.7.1, 2 threads)}, or a GPU
     * with its CUDA version, compute capability and memory. A CUDA build of libtorch left on the CPU says why.
     */
    public static String describe(Device device) {
        Engine engine = Engine.getInstance();
        String build = "DJL " + engine.getEngineName() + " " + engine.getVersion();
        if (!device.isGpu()) {
            String threads = System.getProperty("ai.djl.pytorch.num_threads");
            String cuda = !engine.hasCapability(StandardCapabilities.CUDA) ? ""
                    : gpuAvailable(engine) ? ", a CUDA build with " + engine.getGpuCount() + " GPU(s) left unused"
                    : ", a CUDA build, but no usable GPU was found (is the NVIDIA driver installed?)";
            return device.getDeviceType() + " (" + build + cuda + ", " + (threads == null
                    ? "threads as PyTorch chooses" : threads + " threads") + ")";
        }
        String name = "gpu " + device.getDeviceId();
        try {
            int version = CudaUtils.getCudaVersion();
            return name + " of " + engine.getGpuCount() + " (" + build + ", CUDA " + version / 1000 + "."
                    + version / 10 % 10 + ", compute capability " + CudaUtils.getComputeCapability(device.getDeviceId())
                    + ", " + String.format(Locale.ROOT, "%.1f GB", CudaUtils.getGpuMemory(device).getMax() / 1e9) + ")";
        } catch (RuntimeException e) {
            return name + " (" + build + "; CUDA did not describe it: " + e.getMessage() + ")";
        }
    }
}
