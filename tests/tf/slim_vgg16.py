"""tf-slim's vgg_16, built with plain tf.compat.v1 ops, and a writer for it.

No tf-slim here (it is not installed with TensorFlow 2.21): `vgg_16` uses
`variable_scope` + `get_variable` so the variables get exactly the names and
shapes slim's nets/vgg.py gives them:

  vgg_16/conv1/conv1_1/weights [3,3,3,64] ... vgg_16/conv5/conv5_3/biases [512]
  vgg_16/fc6/weights [7,7,512,4096]   (a 7x7 VALID convolution)
  vgg_16/fc7/weights [1,1,4096,4096]
  vgg_16/fc8/weights [1,1,4096,num_classes], vgg_16/fc8/biases [num_classes]

138,357,544 float32 parameters for 1000 classes.

`write_slim_vgg16(prefix, write_version)` saves such a model as a training
run would: with `global_step` and the Momentum slots (`<var>/Momentum`) of a
`MomentumOptimizer` train op, through `tf.compat.v1.train.Saver` ("V1": one
file at `prefix`, like the published vgg_16.ckpt; "V2": `prefix.index` +
`prefix.data-00000-of-00001`), plus `prefix.meta`. Generating and saving the
1.1 GB costs time, so the files are reused while `prefix.stamp` says they were
made by this generator version with the same arguments.
"""

import json
import os

import tensorflow as tf

v1 = tf.compat.v1

# (block, convolutions, output channels) of nets/vgg.py vgg_16.
BLOCKS = ((1, 2, 64), (2, 2, 128), (3, 3, 256), (4, 3, 512), (5, 3, 512))
NUM_PARAMS = 138357544  # 1000 classes
IMAGE_SIZE = 224
GLOBAL_STEP = 200  # the step the written checkpoint claims
# Bump when the written graph or values change: cached files are remade.
GENERATOR_VERSION = 2


def _weights_initializer():
    # He-normal (slim's default is Xavier): keeps ReLU activations O(1) through
    # 16 layers, so fc7 comparisons look at real numbers, not underflow.
    return v1.variance_scaling_initializer(scale=2.0, mode="fan_in", distribution="truncated_normal")


def _biases_initializer():
    # Non-zero biases, so a copied bias that went missing would show.
    return v1.random_uniform_initializer(-0.1, 0.1)


def _conv(net, scope, kernel, filters, *, padding="SAME", relu=True):
    """slim.conv2d(net, filters, kernel, padding, scope=scope): weights + biases."""
    with v1.variable_scope(scope):
        in_channels = net.shape[-1]
        w = v1.get_variable("weights", [kernel, kernel, in_channels, filters], initializer=_weights_initializer())
        b = v1.get_variable("biases", [filters], initializer=_biases_initializer())
        net = tf.nn.bias_add(tf.nn.conv2d(net, w, [1, 1, 1, 1], padding), b)
        return tf.nn.relu(net) if relu else net


def vgg_16(inputs, num_classes=1000, scope="vgg_16", use_resource=None):
    """Builds slim's vgg_16 (inference: no dropout) in the current graph.

    inputs: float32 [batch, 224, 224, 3]. Returns (logits [batch, num_classes],
    end_points), end_points keyed like slim's ("<scope>/fc7" etc.); "fc7" is
    also given as end_points["fc7"] (the trunk's output, [batch, 1, 1, 4096]).
    Variables are created with get_variable under `scope`, so building the
    model twice in one graph needs two scopes. use_resource: False for ref
    variables (VariableV2, as slim in TF 1.x), True for resource variables,
    None for TensorFlow's default (resource in TF 2).
    """
    end_points = {}
    with v1.variable_scope(scope, use_resource=use_resource):
        net = inputs
        for block, convs, filters in BLOCKS:
            name = f"conv{block}"
            with v1.variable_scope(name):
                for i in range(1, convs + 1):
                    net = _conv(net, f"{name}_{i}", 3, filters)
            end_points[f"{scope}/{name}"] = net
            net = tf.nn.max_pool2d(net, 2, 2, "VALID", name=f"pool{block}")
        net = _conv(net, "fc6", 7, 4096, padding="VALID")
        end_points[f"{scope}/fc6"] = net
        net = _conv(net, "fc7", 1, 4096)
        end_points[f"{scope}/fc7"] = end_points["fc7"] = net
        net = _conv(net, "fc8", 1, num_classes, relu=False)
        end_points[f"{scope}/fc8"] = net
        logits = tf.squeeze(net, [1, 2], name="fc8/squeezed")
    return logits, end_points


def build_training_graph(num_classes=1000, scope="vgg_16", learning_rate=0.01, momentum=0.9, use_resource=False):
    """vgg_16 on placeholders with a softmax loss, global_step, a loss
    summary and a MomentumOptimizer train op, in the current (graph-mode)
    graph. Ref variables by default, as the graphs of TF 1.x training runs.

    Returns a dict: images, labels, logits, fc7, loss, train_op, global_step.
    """
    images = v1.placeholder(tf.float32, [None, IMAGE_SIZE, IMAGE_SIZE, 3], name="images")
    labels = v1.placeholder(tf.int64, [None], name="labels")
    logits, end_points = vgg_16(images, num_classes, scope, use_resource=use_resource)
    loss = v1.losses.sparse_softmax_cross_entropy(labels, logits)
    with v1.variable_scope("", use_resource=use_resource):
        global_step = v1.train.get_or_create_global_step()
    optimizer = v1.train.MomentumOptimizer(learning_rate, momentum)
    train_op = optimizer.minimize(loss, global_step=global_step)
    v1.summary.scalar("loss", loss)
    return {"images": images, "labels": labels, "logits": logits, "fc7": end_points["fc7"], "loss": loss,
            "train_op": train_op, "global_step": global_step}


def _stamp(write_version, seed):
    return {"generator": GENERATOR_VERSION, "tensorflow": tf.__version__, "write_version": write_version,
            "seed": seed}


def _outputs(prefix, write_version):
    data = [prefix] if write_version == "V1" else [prefix + ".index", prefix + ".data-00000-of-00001"]
    return data + [prefix + ".meta"]


def _cached(prefix, write_version, seed):
    try:
        with open(prefix + ".stamp") as f:
            if json.load(f) != _stamp(write_version, seed):
                return False
    except (OSError, ValueError):
        return False
    return all(os.path.isfile(p) for p in _outputs(prefix, write_version))


def write_slim_vgg16(prefix, write_version, seed=0):
    """Writes slim's vgg_16 (1000 classes, Momentum slots, global_step 200)
    with tf.compat.v1.train.Saver at `prefix`, plus `prefix.meta` and the
    directory's `checkpoint` state file. write_version: "V1" (a single file
    at `prefix`) or "V2". Values come from TF's seeded initializers.

    Returns `prefix`. Reuses the files when `prefix.stamp` matches.
    """
    if write_version not in ("V1", "V2"):
        raise ValueError(f"write_version must be 'V1' or 'V2', not {write_version!r}")
    if _cached(prefix, write_version, seed):
        return prefix
    stamp = prefix + ".stamp"
    if os.path.exists(stamp):
        os.remove(stamp)
    os.makedirs(os.path.dirname(os.path.abspath(prefix)), exist_ok=True)
    version = v1.train.SaverDef.V1 if write_version == "V1" else v1.train.SaverDef.V2
    with tf.Graph().as_default() as graph:
        v1.set_random_seed(seed)
        model = build_training_graph()
        saver = v1.train.Saver(write_version=version)
        with v1.Session(graph=graph) as sess:
            sess.run(v1.global_variables_initializer())
            sess.run(model["global_step"].assign(GLOBAL_STEP))
            saver.save(sess, prefix, write_meta_graph=True)
    with open(stamp, "w") as f:
        json.dump(_stamp(write_version, seed), f)
    return prefix


def variable_shapes(num_classes=1000, scope="vgg_16"):
    """{name: shape} of vgg_16's model variables (no slots, no global_step)."""
    shapes = {}
    in_channels = 3
    for block, convs, filters in BLOCKS:
        for i in range(1, convs + 1):
            layer = f"{scope}/conv{block}/conv{block}_{i}"
            shapes[layer + "/weights"] = [3, 3, in_channels, filters]
            shapes[layer + "/biases"] = [filters]
            in_channels = filters
    for layer, shape in (("fc6", [7, 7, 512, 4096]), ("fc7", [1, 1, 4096, 4096]), ("fc8", [1, 1, 4096, num_classes])):
        shapes[f"{scope}/{layer}/weights"] = shape
        shapes[f"{scope}/{layer}/biases"] = shape[-1:]
    return shapes
