"""keras.applications.VGG16 under the names a TF1 graph-mode Keras model gets
(`tf.compat.v1.train.Saver()` after building it: `block1_conv1/kernel`,
`block1_conv1/bias`, ... `fc1/kernel` [25088, 4096], `fc2/kernel`,
`predictions/kernel` [4096, 1000], plus the Keras optimizer's `SGD/...`
variables), built with plain tf.compat.v1 ops.

Keras 3 (what tf.keras is in TensorFlow 2.21) no longer writes TF1
checkpoints, so the model is rebuilt here with `get_variable`; the forward
pass is Keras' (conv + ReLU, 2x2 max pools, Flatten, Dense fc1/fc2 + ReLU,
Dense predictions), so `fc2` is the trunk's output.
"""

import json
import os

import tensorflow as tf

v1 = tf.compat.v1

BLOCKS = ((1, 2, 64), (2, 2, 128), (3, 3, 256), (4, 3, 512), (5, 3, 512))
IMAGE_SIZE = 224
GENERATOR_VERSION = 1
# Keras 2 SGD's own variables in a TF1 graph (optimizers.py SGD.__init__).
OPTIMIZER_VARIABLES = {"SGD/iterations": (tf.int64, 1200), "SGD/lr": (tf.float32, 0.01),
                       "SGD/momentum": (tf.float32, 0.9), "SGD/decay": (tf.float32, 0.0)}


def _layer(scope, kernel_shape):
    with v1.variable_scope(scope):
        kernel = v1.get_variable(
            "kernel", kernel_shape,
            initializer=v1.variance_scaling_initializer(2.0, "fan_in", "truncated_normal"))
        bias = v1.get_variable("bias", kernel_shape[-1:], initializer=v1.random_uniform_initializer(-0.1, 0.1))
    return kernel, bias


def keras_vgg16(inputs, num_classes=1000, scope=None, use_resource=None):
    """Builds Keras' VGG16 (include_top=True) on float32 [batch, 224, 224, 3]
    under variable scope `scope` (None: the root, as Keras names them).
    Returns (logits [batch, num_classes], end_points with "fc2")."""
    end_points = {}
    with v1.variable_scope(scope or "", use_resource=use_resource):
        net = inputs
        in_channels = 3
        for block, convs, filters in BLOCKS:
            for i in range(1, convs + 1):
                kernel, bias = _layer(f"block{block}_conv{i}", [3, 3, in_channels, filters])
                net = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(net, kernel, 1, "SAME"), bias))
                in_channels = filters
            net = tf.nn.max_pool2d(net, 2, 2, "VALID")
        net = tf.reshape(net, [-1, 7 * 7 * 512])  # Flatten (channels_last)
        for name, units in (("fc1", 4096), ("fc2", 4096)):
            kernel, bias = _layer(name, [net.shape[-1], units])
            net = tf.nn.relu(tf.matmul(net, kernel) + bias)
            end_points[name] = net
        kernel, bias = _layer("predictions", [4096, num_classes])
        logits = tf.matmul(net, kernel) + bias
    return logits, end_points


def _stamp(seed):
    return {"generator": GENERATOR_VERSION, "tensorflow": tf.__version__, "seed": seed}


def write_keras_vgg16(prefix, seed=1):
    """Writes the Keras-named VGG16 (1000 classes) as a V2 checkpoint with
    tf.compat.v1.train.Saver at `prefix`, plus `prefix.meta`. Returns
    `prefix`; reuses the files while `prefix.stamp` matches."""
    stamp = prefix + ".stamp"
    try:
        with open(stamp) as f:
            if json.load(f) == _stamp(seed) and os.path.isfile(prefix + ".index"):
                return prefix
    except (OSError, ValueError):
        pass
    if os.path.exists(stamp):
        os.remove(stamp)
    os.makedirs(os.path.dirname(os.path.abspath(prefix)), exist_ok=True)
    with tf.Graph().as_default() as graph:
        v1.set_random_seed(seed)
        images = v1.placeholder(tf.float32, [None, IMAGE_SIZE, IMAGE_SIZE, 3], name="input_1")
        keras_vgg16(images, use_resource=False)
        for name, (dtype, value) in OPTIMIZER_VARIABLES.items():
            v1.get_variable(name, [], dtype, initializer=v1.constant_initializer(value), trainable=False,
                            use_resource=False)
        saver = v1.train.Saver()
        with v1.Session(graph=graph) as sess:
            sess.run(v1.global_variables_initializer())
            saver.save(sess, prefix, write_meta_graph=True)
    with open(stamp, "w") as f:
        json.dump(_stamp(seed), f)
    return prefix
