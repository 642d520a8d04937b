"""The TensorFlow 1.x-style equivalent of bench/vgg16_to_mycls.yaml, timed as
a whole process by bench/run.sh (interpreter start and `import tensorflow`
included, as a user would run it):

    tf_saver_peer.py SRC_PREFIX DST_PREFIX

tf.train.load_checkpoint the VGG16 checkpoint, build a graph with one
variable per kept tensor (conv*, fc6, fc7) renamed vgg_16/ -> mycls/ and
initialized from the loaded values, plus a new 10-way fc8 (weights
truncated_normal stddev 0.01 seed 1234, biases zeros), run the initializers
in a session and save with tf.compat.v1.train.Saver (data, index and .meta,
as `surgeon run` writes with meta_graph: true). Freezing is a graph-building
choice (trainable=False), so it costs nothing here.
"""
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf  # noqa: E402


def main():
    src, dst = sys.argv[1:3]
    reader = tf.train.load_checkpoint(src)
    shapes = reader.get_variable_to_shape_map()
    dtypes = reader.get_variable_to_dtype_map()
    graph = tf.Graph()
    with graph.as_default():
        feeds = {}
        for name in sorted(shapes):
            if not name.startswith("vgg_16/") or name.startswith("vgg_16/fc8/"):
                continue
            new = "mycls/" + name[len("vgg_16/"):]
            value = tf.compat.v1.placeholder(dtypes[name], shapes[name])
            tf.compat.v1.Variable(value, name=new, trainable=not new.startswith("mycls/conv"))
            feeds[value] = reader.get_tensor(name)
        tf.compat.v1.get_variable("mycls/fc8/weights", [1, 1, 4096, 10], tf.float32,
                                  tf.compat.v1.truncated_normal_initializer(stddev=0.01, seed=1234))
        tf.compat.v1.get_variable("mycls/fc8/biases", [10], tf.float32, tf.compat.v1.zeros_initializer())
        saver = tf.compat.v1.train.Saver()
        with tf.compat.v1.Session(graph=graph) as sess:
            sess.run(tf.compat.v1.global_variables_initializer(), feed_dict=feeds)
            saver.save(sess, dst)


if __name__ == "__main__":
    main()
