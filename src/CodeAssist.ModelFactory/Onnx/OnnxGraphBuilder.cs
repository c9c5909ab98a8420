namespace CodeAssist.ModelFactory.Onnx;

/// <summary>
/// Collects the inputs, constants, nodes and outputs of one ONNX graph. Every value is named by the caller so
/// that the written model is readable in a viewer and identical from run to run.
/// </summary>
internal sealed class OnnxGraphBuilder
{
    private readonly List<OnnxValueInfo> _inputs = [];
    private readonly List<OnnxValueInfo> _outputs = [];
    private readonly List<OnnxTensor> _initializers = [];
    private readonly List<OnnxNode> _nodes = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    public IReadOnlyList<OnnxValueInfo> Inputs => _inputs;

    public IReadOnlyList<OnnxValueInfo> Outputs => _outputs;

    public IReadOnlyList<OnnxTensor> Initializers => _initializers;

    public IReadOnlyList<OnnxNode> Nodes => _nodes;

    public string Input(string name, OnnxElementType elementType, params OnnxDimension[] shape)
    {
        Claim(name);
        _inputs.Add(new OnnxValueInfo(name, elementType, shape));
        return name;
    }

    /// <summary>Declares an already produced value as a graph output.</summary>
    public void Output(string name, OnnxElementType elementType, params OnnxDimension[] shape)
    {
        if (!_names.Contains(name))
        {
            throw new InvalidOperationException($"Graph output '{name}' is not produced by any node.");
        }
        _outputs.Add(new OnnxValueInfo(name, elementType, shape));
    }

    public string Constant(OnnxTensor tensor)
    {
        Claim(tensor.Name);
        _initializers.Add(tensor);
        return tensor.Name;
    }

    public string Floats(string name, long[] dimensions, ReadOnlySpan<float> values) =>
        Constant(OnnxTensor.FromFloats(name, dimensions, values));

    public string Int64s(string name, params long[] values) =>
        Constant(OnnxTensor.FromInt64s(name, [values.Length], values));

    /// <summary>A rank-0 float, which broadcasts against any tensor.</summary>
    public string ScalarFloat(string name, float value) => Constant(OnnxTensor.FromFloats(name, [], [value]));

    public string ScalarInt64(string name, long value) => Constant(OnnxTensor.FromInt64s(name, [], [value]));

    /// <summary>Adds a single-output node and returns its output, named <paramref name="output"/>.</summary>
    public string Node(string operatorType, string output, string[] inputs, params OnnxAttribute[] attributes) =>
        Node(operatorType, [output], inputs, attributes)[0];

    public string[] Node(string operatorType, string[] outputs, string[] inputs, params OnnxAttribute[] attributes) =>
        Add(new OnnxNode(operatorType, inputs, outputs, attributes));

    /// <summary>
    /// Adds a node with its own name and operator domain, as the GenAI model builder writes them
    /// ("/model/layers.0/attn/GroupQueryAttention"). An empty string stands for an omitted optional input or
    /// output, as in ONNX itself.
    /// </summary>
    public string[] NamedNode(string name, string domain, string operatorType, string[] outputs, string[] inputs, params OnnxAttribute[] attributes) =>
        Add(new OnnxNode(operatorType, inputs, outputs, attributes, domain, name));

    private string[] Add(OnnxNode node)
    {
        foreach (var input in node.Inputs)
        {
            if (input.Length > 0 && !_names.Contains(input))
            {
                throw new InvalidOperationException($"Input '{input}' of the {node.OperatorType} node producing '{node.Outputs[0]}' is not defined yet.");
            }
        }
        foreach (var output in node.Outputs.Where(output => output.Length > 0))
        {
            Claim(output);
        }
        _nodes.Add(node);
        return node.Outputs;
    }

    private void Claim(string name)
    {
        if (!_names.Add(name))
        {
            throw new InvalidOperationException($"The graph already has a value named '{name}'.");
        }
    }
}
