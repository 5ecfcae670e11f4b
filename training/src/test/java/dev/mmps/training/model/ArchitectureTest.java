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
        "mobilenetv2, 32x32x3"})
    void givesOneLogitPerClass(String name, String shapeText) {
        ImageShape shape = ImageShape.parse(shapeText);
        Architecture architecture = Architecture.parse(name);
        try (Model model = Model.newInstance("check")) {
            Block block = architecture.build(shape, 10);
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
    @ParameterizedTest
    @CsvSource({"convnet, 86090", "resnet18, 11173962"})
    void parameterCountsMatchTheirClosedForms(String name, long expected) {
        ImageShape shape = new ImageShape(32, 32, 3);
        try (Model model = Model.newInstance("count")) {
            Block block = Architecture.parse(name).build(shape, 10);
            model.setBlock(block);
            block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 3, 32, 32));
            long trainable = 0;
            for (Pair<String, Parameter> p : block.getParameters()) {
                if (p.getValue().requiresGradient()) {
                    trainable += p.getValue().getArray().size();
                }
            }
            assertEquals(expected, trainable);
        }
    }
}
