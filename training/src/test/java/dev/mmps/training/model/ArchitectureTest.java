package dev.mmps.training.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import dev.mmps.tensor.layout.ImageShape;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every architecture takes CIFAR- and MNIST-shaped batches and gives one logit per class. */
class ArchitectureTest {

    @ParameterizedTest
    @CsvSource({"convnet, 32x32x3", "convnet, 28x28x1", "resnet18, 32x32x3", "vgg16, 28x28x1",
        "mobilenetv2, 32x32x3", "fc2, 28x28x1", "lenet5, 28x28x1", "lenet5, 32x32x3", "fc2-mpo, 28x28x1",
        "lenet5-mpo, 32x32x3", "convnet-mpo, 32x32x3", "convnet-tucker2, 32x32x3", "vgg-narrow, 32x32x3",
        "vgg-narrow, 28x28x1"})
    void givesOneLogitPerClass(String name, String shapeText) {
        ImageShape shape = ImageShape.parse(shapeText);
        Architecture architecture = Architecture.parse(name);
        try (Model model = Model.newInstance("check")) {
            Block block = network(architecture, shape);
            model.setBlock(block);
            NDManager m = model.getNDManager();
            block.initialize(m, DataType.FLOAT32, new Shape(2, shape.channels(), shape.height(), shape.width()));
            NDArray x = m.randomUniform(0, 1, new Shape(2, shape.channels(), shape.height(), shape.width()));
            NDArray y = block.forward(new ParameterStore(m, false), new ai.djl.ndarray.NDList(x), false)
                    .singletonOrThrow();
            assertEquals(new Shape(2, 10), y.getShape());
        }
    }

    /**
     * Trainable parameter counts against the closed forms: the ConvNet's three 3x3 convolutions without bias
     * (27 * 64 + 2 * 576 * 64), three batch norms (2 * 64 each) and a 1024 x 10 linear layer with bias; and
     * the CIFAR ResNet-18's widely quoted 11,173,962 for 10 classes.
     */
    /**
     * ... and on Fashion-MNIST's 28x28x1: FC2's 784 * 256 + 256 + 256 * 10 + 10; LeNet-5's classic 61,706; FC2
     * with MPO layers at bond 4, 784 = 4x7x7x4 -> 256 = 4x4x4x4 (cores 64 + 448 + 448 + 64, bias 256) and
     * 256 = 4x4x4x4 -> 10 = 1x2x5x1 (cores 16 + 128 + 320 + 16, bias 10); the ConvNet with its two 64-to-64
     * convolutions as Tucker-2 of ranks 32: 86,090 - 2 * 36,864 + 2 * (64 * 32 + 32 * 32 * 9 + 32 * 64).
     */
    @ParameterizedTest
    @CsvSource({"convnet, 32x32x3, 86090", "resnet18, 32x32x3, 11173962", "fc2, 28x28x1, 203530",
        "lenet5, 28x28x1, 61706", "fc2-mpo, 28x28x1, 1770", "convnet-tucker2, 32x32x3, 38986"})
    void parameterCountsMatchTheirClosedForms(String name, String shapeText, long expected) {
        ImageShape shape = ImageShape.parse(shapeText);
        try (Model model = Model.newInstance("count")) {
            Block block = network(Architecture.parse(name), shape);
            model.setBlock(block);
            block.initialize(model.getNDManager(), DataType.FLOAT32,
                    new Shape(1, shape.channels(), shape.height(), shape.width()));
            long trainable = 0;
            for (Pair<String, Parameter> p : block.getParameters()) {
                if (p.getValue().requiresGradient()) {
                    trainable += p.getValue().getArray().size();
                }
            }
            assertEquals(expected, trainable);
        }
    }

    private static Block network(Architecture architecture, ImageShape shape) {
        return new Classifier.Spec(architecture, shape, java.util.Collections.nCopies(10, "class"),
                architecture.factorisation(shape, 10, Architecture.DEFAULT_BOND)).network();
    }
}
