namespace CodeAssist.ModelFactory.Onnx;

/// <summary>
/// Writes a graph as an ONNX ModelProto. IR version 8 with the default-domain opset 17 is what ONNX Runtime 1.2x
/// (under GenAI 0.18) loads without conversion, and every operator our graphs use exists there unchanged.
/// </summary>
internal static class OnnxModelSerializer
{
    public const long IrVersion = 8;
    public const long OpsetVersion = 17;
    private const string ProducerName = "CodeAssist.ModelFactory";

    public static void Write(OnnxGraphBuilder graph, string graphName, Stream destination)
    {
        var model = new ProtobufWriter();
        model.WriteInt64(OnnxFields.ModelIrVersion, IrVersion);
        model.WriteString(OnnxFields.ModelProducerName, ProducerName);
        model.WriteMessage(OnnxFields.ModelGraph, writer => WriteGraph(writer, graph, graphName));
        model.WriteMessage(OnnxFields.ModelOpsetImport, opset =>
        {
            opset.WriteString(OnnxFields.OperatorSetDomain, "");
            opset.WriteInt64(OnnxFields.OperatorSetVersion, OpsetVersion);
        });
        model.CopyTo(destination);
    }

    private static void WriteGraph(ProtobufWriter writer, OnnxGraphBuilder graph, string graphName)
    {
        foreach (var node in graph.Nodes)
        {
            writer.WriteMessage(OnnxFields.GraphNode, nodeWriter => WriteNode(nodeWriter, node));
        }
        writer.WriteString(OnnxFields.GraphName, graphName);
        foreach (var tensor in graph.Initializers)
        {
            writer.WriteMessage(OnnxFields.GraphInitializer, tensorWriter => WriteTensor(tensorWriter, tensor));
        }
        foreach (var input in graph.Inputs)
        {
            writer.WriteMessage(OnnxFields.GraphInput, valueWriter => WriteValueInfo(valueWriter, input));
        }
        foreach (var output in graph.Outputs)
        {
            writer.WriteMessage(OnnxFields.GraphOutput, valueWriter => WriteValueInfo(valueWriter, output));
        }
    }

    private static void WriteNode(ProtobufWriter writer, OnnxNode node)
    {
        foreach (var input in node.Inputs)
        {
            writer.WriteString(OnnxFields.NodeInput, input);
        }
        foreach (var output in node.Outputs)
        {
            writer.WriteString(OnnxFields.NodeOutput, output);
        }
        writer.WriteString(OnnxFields.NodeName, node.Outputs[0]);
        writer.WriteString(OnnxFields.NodeOperatorType, node.OperatorType);
        foreach (var attribute in node.Attributes)
        {
            writer.WriteMessage(OnnxFields.NodeAttribute, attributeWriter =>
            {
                attributeWriter.WriteString(OnnxFields.AttributeName, attribute.Name);
                attribute.WriteValue(attributeWriter);
            });
        }
    }

    private static void WriteTensor(ProtobufWriter writer, OnnxTensor tensor)
    {
        foreach (var dimension in tensor.Dimensions)
        {
            writer.WriteInt64(OnnxFields.TensorDimensions, dimension);
        }
        writer.WriteInt64(OnnxFields.TensorDataType, (long)tensor.ElementType);
        writer.WriteString(OnnxFields.TensorName, tensor.Name);
        writer.WriteBytes(OnnxFields.TensorRawData, tensor.RawData);
    }

    private static void WriteValueInfo(ProtobufWriter writer, OnnxValueInfo value)
    {
        writer.WriteString(OnnxFields.ValueInfoName, value.Name);
        writer.WriteMessage(OnnxFields.ValueInfoType, type =>
            type.WriteMessage(OnnxFields.TypeTensorType, tensorType =>
            {
                tensorType.WriteInt64(OnnxFields.TensorTypeElementType, (long)value.ElementType);
                tensorType.WriteMessage(OnnxFields.TensorTypeShape, shape =>
                {
                    foreach (var dimension in value.Shape)
                    {
                        shape.WriteMessage(OnnxFields.ShapeDimension, dimensionWriter =>
                        {
                            if (dimension.Symbol is { } symbol)
                            {
                                dimensionWriter.WriteString(OnnxFields.DimensionParameter, symbol);
                            }
                            else
                            {
                                dimensionWriter.WriteInt64(OnnxFields.DimensionValue, dimension.Size);
                            }
                        });
                    }
                });
            }));
    }
}
