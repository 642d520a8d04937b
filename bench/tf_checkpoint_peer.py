"""The TensorFlow 2 (tf.train.Checkpoint) equivalent of
bench/vgg16_to_mycls.yaml, timed as a whole process by bench/run.sh
(interpreter start and `import tensorflow` included):

    tf_checkpoint_peer.py SRC_PREFIX DST_PREFIX

tf.train.load_checkpoint the VGG16 checkpoint, make an eager tf.Variable per
kept tensor (conv*, fc6, fc7) renamed vgg_16/ -> mycls/, a new 10-way fc8
(weights truncated_normal stddev 0.01 seed 1234, biases zeros), track them
in a tf.Module and write them with tf.train.Checkpoint.write (object-based
keys; no meta graph, which TF2 does not write).
"""
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf  # noqa: E402


def main():
    src, dst = sys.argv[1:3]
    reader = tf.train.load_checkpoint(src)
    variables = {}
    for name in sorted(reader.get_variable_to_shape_map()):
        if not name.startswith("vgg_16/") or name.startswith("vgg_16/fc8/"):
            continue
        new = "mycls/" + name[len("vgg_16/"):]
        variables[new] = tf.Variable(reader.get_tensor(name), name=new, trainable=not new.startswith("mycls/conv"))
    init = tf.compat.v1.truncated_normal_initializer(stddev=0.01, seed=1234)
    variables["mycls/fc8/weights"] = tf.Variable(init([1, 1, 4096, 10], tf.float32), name="mycls/fc8/weights")
    variables["mycls/fc8/biases"] = tf.Variable(tf.zeros([10]), name="mycls/fc8/biases")
    model = tf.Module()
    model.variables_by_name = variables
    tf.train.Checkpoint(model=model).write(dst)


if __name__ == "__main__":
    main()
