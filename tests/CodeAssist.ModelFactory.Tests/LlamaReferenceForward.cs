namespace CodeAssist.ModelFactory.Tests;

/// <summary>
/// A plain, unoptimised Llama forward pass over the whole token sequence, in double precision, written from the
/// Hugging Face definition rather than from the ONNX graph: the yardstick the exported model must match.
/// </summary>
internal static class LlamaReferenceForward
{
    /// <summary>
    /// Logits for every position: result[position][token]. Grouped-query attention shares key/value head
    /// h / (heads / key-value heads) among query heads, as Hugging Face's repeat_kv does; attention biases are
    /// added to the projections.
    /// </summary>
    public static double[][] Logits(DecoderWeights weights, IReadOnlyList<int> tokens, double rmsNormEpsilon = 1e-5)
    {
        var shape = weights.Shape;
        var (hidden, heads, headSize, vocab) = (shape.Hidden, shape.Heads, shape.HeadSize, weights.VocabSize);
        var (keyValueHeads, keyValueWidth) = (shape.KeyValueHeadCount, shape.KeyValueWidth);
        double[] RmsNorm(double[] state, float[] weight) => Norm(state, weight, rmsNormEpsilon);
        var embeddings = weights[DecoderWeights.EmbedTokensName];
        var states = tokens.Select(token => Enumerable.Range(0, hidden).Select(i => (double)embeddings[token * hidden + i]).ToArray()).ToArray();

        for (var layer = 0; layer < shape.Layers; layer++)
        {
            float[] Weight(string name) => weights[DecoderWeights.LayerTensorName(layer, name)];
            var normalized = states.Select(state => RmsNorm(state, Weight("input_layernorm"))).ToArray();
            double[] Project(double[] state, string name, int width)
            {
                var projected = MatVec(state, Weight(name), width);
                if (shape.AttentionBias)
                    Add(projected, [.. weights[DecoderWeights.LayerBiasName(layer, name)].Select(value => (double)value)]);
                return projected;
            }
            var queries = normalized
                .Select((state, position) => Rotate(Project(state, "self_attn.q_proj", hidden), position, heads, headSize, shape.RopeTheta))
                .ToArray();
            var keys = normalized
                .Select((state, position) => Rotate(Project(state, "self_attn.k_proj", keyValueWidth), position, keyValueHeads, headSize, shape.RopeTheta))
                .ToArray();
            var values = normalized.Select(state => Project(state, "self_attn.v_proj", keyValueWidth)).ToArray();

            for (var position = 0; position < states.Length; position++)
            {
                var context = new double[hidden];
                for (var head = 0; head < heads; head++)
                {
                    var offset = head * headSize;
                    var keyValueOffset = head / (heads / keyValueHeads) * headSize;
                    // Causal: a position sees itself and everything before it.
                    var scores = Enumerable.Range(0, position + 1)
                        .Select(key => Dot(queries[position], offset, keys[key], keyValueOffset, headSize) / Math.Sqrt(headSize))
                        .ToArray();
                    var probabilities = Softmax(scores);
                    for (var key = 0; key <= position; key++)
                    {
                        for (var i = 0; i < headSize; i++)
                        {
                            context[offset + i] += probabilities[key] * values[key][keyValueOffset + i];
                        }
                    }
                }
                Add(states[position], MatVec(context, Weight("self_attn.o_proj"), hidden));
            }

            foreach (var state in states)
            {
                var mlpInput = RmsNorm(state, Weight("post_attention_layernorm"));
                var gate = MatVec(mlpInput, Weight("mlp.gate_proj"), shape.Intermediate);
                var up = MatVec(mlpInput, Weight("mlp.up_proj"), shape.Intermediate);
                var gated = gate.Select((g, i) => g / (1 + Math.Exp(-g)) * up[i]).ToArray();
                Add(state, MatVec(gated, Weight("mlp.down_proj"), hidden));
            }
        }

        return [.. states.Select(state => MatVec(RmsNorm(state, weights[DecoderWeights.FinalNormName]), weights[DecoderWeights.LmHeadName], vocab))];
    }

    private static double[] Norm(double[] state, float[] weight, double epsilon)
    {
        var scale = 1 / Math.Sqrt(state.Average(value => value * value) + epsilon);
        return [.. state.Select((value, i) => value * scale * weight[i])];
    }

    /// <summary>Hugging Face's rotate_half convention: dimension i pairs with i + headSize/2 within each head.</summary>
    private static double[] Rotate(double[] vector, int position, int heads, int headSize, double theta)
    {
        var half = headSize / 2;
        var rotated = new double[vector.Length];
        for (var head = 0; head < heads; head++)
        {
            var offset = head * headSize;
            for (var i = 0; i < half; i++)
            {
                var angle = position / Math.Pow(theta, 2.0 * i / headSize);
                var (first, second) = (vector[offset + i], vector[offset + half + i]);
                rotated[offset + i] = first * Math.Cos(angle) - second * Math.Sin(angle);
                rotated[offset + half + i] = second * Math.Cos(angle) + first * Math.Sin(angle);
            }
        }
        return rotated;
    }

    /// <summary>vector × matrix, the matrix stored row-major as [vector.Length, columns].</summary>
    private static double[] MatVec(double[] vector, float[] matrix, int columns)
    {
        var result = new double[columns];
        for (var row = 0; row < vector.Length; row++)
        {
            for (var column = 0; column < columns; column++)
            {
                result[column] += vector[row] * matrix[row * columns + column];
            }
        }
        return result;
    }

    private static double Dot(double[] left, int leftOffset, double[] right, int rightOffset, int length)
    {
        var sum = 0.0;
        for (var i = 0; i < length; i++)
        {
            sum += left[leftOffset + i] * right[rightOffset + i];
        }
        return sum;
    }

    private static double[] Softmax(double[] scores)
    {
        var max = scores.Max();
        var exponentials = scores.Select(score => Math.Exp(score - max)).ToArray();
        var total = exponentials.Sum();
        return [.. exponentials.Select(value => value / total)];
    }

    private static void Add(double[] target, double[] addend)
    {
        for (var i = 0; i < target.Length; i++)
        {
            target[i] += addend[i];
        }
    }
}
