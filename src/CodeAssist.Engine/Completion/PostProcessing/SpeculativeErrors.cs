using System.Diagnostics.CodeAnalysis;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Text;

namespace CodeAssist.Engine.Completion.PostProcessing;

/// <summary>
/// The binding errors of a method or accessor body, an expression body or a field initializer (or of the statements of
/// one that a region touches) bound speculatively against the last compilation (<see cref="Workspace.SemanticModelReuse"/>),
/// where no new compilation is made (#20: a fork of the compilation is 15–75 ms, a speculative binding about 1 ms).
/// Roslyn reports no diagnostics from a speculative model (its member models throw NotSupportedException and bind
/// with the diagnostics discarded), so the errors are read from what binding left, one rule per kind of error, each
/// named by the compiler error it stands for (so <see cref="CompilerErrors"/>' excuses and its comparison of the text
/// with and without a suggestion apply unchanged; the messages are written here, in the compiler's words where the
/// test of the rule pins them):
/// <list type="bullet">
/// <item>a name that binds to nothing or only to candidates: unknown (CS0103, CS0246, CS1061, CS0117, CS0234), no
/// overload taking the arguments (CS1501, CS1503, CS1729), ambiguous (CS0121, CS0104, CS0229), inaccessible (CS0122),
/// static/instance mismatch (CS0120, CS0176) and the other candidate reasons;</item>
/// <item>operations: a conversion that does not exist (CS0029, CS0030) or is explicit where an implicit one is
/// needed (CS0266), an operator without an operand type that takes it (CS0019, CS0023), a returned value in a
/// void method and a missing one in a non-void method (CS0127, CS8030, CS0126), await outside an async method
/// (CS4032, CS4033, CS4034), a conditional whose branches have no common type (CS0173), a
/// local used before its declaration (CS0841), an implicitly typed local without a type (CS0815), an assignment
/// target that is no variable (CS0200, CS0191, CS0131), and any other invalid operation whose cause no rule named;</item>
/// <item>statements the binder refuses on their syntax: a declaration as an embedded statement (CS1023), an
/// expression that is no statement (CS0201), an implicitly typed local without a value (CS0818), break or continue
/// outside a loop (CS0139), a local declared twice
/// in a scope or over an enclosing one's (CS0128, CS0136);</item>
/// <item>flow: a local read that nothing assigns (CS0165; the model's data-flow analysis throws on a speculative model).</item>
/// </list>
/// Errors of constructs the parser found unfinished are excused as for the compiler's own (<see cref="CompilerErrors.Excused"/>).
/// </summary>
public static class SpeculativeErrors
{
    /// <summary>Types as the compiler's messages show them: with their containing types, without their namespaces.</summary>
    private static readonly SymbolDisplayFormat Format = new(
        globalNamespaceStyle: SymbolDisplayGlobalNamespaceStyle.Omitted,
        typeQualificationStyle: SymbolDisplayTypeQualificationStyle.NameAndContainingTypes,
        genericsOptions: SymbolDisplayGenericsOptions.IncludeTypeParameters,
        memberOptions: SymbolDisplayMemberOptions.IncludeParameters | SymbolDisplayMemberOptions.IncludeContainingType,
        parameterOptions: SymbolDisplayParameterOptions.IncludeType | SymbolDisplayParameterOptions.IncludeParamsRefOut,
        miscellaneousOptions: SymbolDisplayMiscellaneousOptions.UseSpecialTypes | SymbolDisplayMiscellaneousOptions.EscapeKeywordIdentifiers);

    /// <summary>The code of an invalid operation whose cause no rule named.</summary>
    public const string Unnamed = "invalid";

    /// <summary>The errors in <paramref name="body"/> (a node of the tree <paramref name="model"/> binds), in text order, without the excused ones.</summary>
    public static IReadOnlyList<CompilerError> In(SemanticModel model, SyntaxNode body, CancellationToken cancellationToken) =>
        In(model, body, body.Span, cancellationToken);

    /// <summary>
    /// The same, binding only the statements of <paramref name="body"/> that <paramref name="region"/> touches
    /// (<see cref="Touched"/>): a speculative model binds a statement at a time, so a suggestion's check binds its own
    /// statements, not the whole method. The rules that read syntax alone (embedded declarations, statement
    /// expressions, duplicate locals, break outside a loop) still look at the whole body.
    /// </summary>
    public static IReadOnlyList<CompilerError> In(SemanticModel model, SyntaxNode body, TextSpan region, CancellationToken cancellationToken)
    {
        var errors = new List<CompilerError>();
        var touched = Touched(body, region);
        foreach (var node in touched)
        {
            Names(model, node, errors, cancellationToken);
            Creations(model, node, errors, cancellationToken);
            if (model.GetOperation(node, cancellationToken) is { } bound)
                Operations(model, bound, errors, cancellationToken);
        }
        Statements(body, errors);
        Locals(body, errors);
        Unassigned(model, body, touched, errors, cancellationToken);
        var root = body.SyntaxTree.GetRoot(cancellationToken);
        // At the same place, a rule's named error before an invalid operation's unnamed one.
        return [.. errors.Where(e => !CompilerErrors.Excused(root, e.Id, e.Span)).OrderBy(e => e.Span.Start).ThenBy(e => e.Id == Unnamed)];
    }

    /// <summary>
    /// What is bound for <paramref name="region"/> of <paramref name="body"/>: in the innermost block (or switch section)
    /// that holds the region with no lambda or local function between them and the region, the statements the region
    /// touches (none for a blank line); all of a body that is no block (an expression body, an initializer). A lambda
    /// is bound with the statement that holds it, whose call decides its parameters' types.
    /// </summary>
    public static IReadOnlyList<SyntaxNode> Touched(SyntaxNode body, TextSpan region)
    {
        if (body is not BlockSyntax || !body.Span.Contains(region))
            return [body];
        var inner = region.IsEmpty ? body.FindToken(region.Start).Parent : body.FindNode(region, getInnermostNodeForTie: true);
        SyntaxNode? container = null;
        for (var node = inner; node is not null; node = node.Parent)
        {
            if (node is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax)
                container = null;
            else if (container is null && node is BlockSyntax or SwitchSectionSyntax && Holds(node, region))
                container = node;
            if (node == body)
                break;
        }
        var statements = container switch
        {
            BlockSyntax block => block.Statements,
            SwitchSectionSyntax section => section.Statements,
            _ => default(SyntaxList<StatementSyntax>),
        };
        return container is null ? [body] : [.. statements.Where(s => s.Span.IntersectsWith(region))];
    }

    /// <summary>Whether the region is between the block's braces (a switch section: within it).</summary>
    private static bool Holds(SyntaxNode container, TextSpan region) => container switch
    {
        BlockSyntax block => region.Start >= block.OpenBraceToken.Span.End
            && region.End <= (block.CloseBraceToken.IsMissing ? block.Span.End : block.CloseBraceToken.SpanStart),
        _ => container.Span.Contains(region),
    };

    /// <summary>Names that bind to no symbol: unknown, or only candidates that the binder refused for a reason.</summary>
    private static void Names(SemanticModel model, SyntaxNode body, List<CompilerError> errors, CancellationToken cancellationToken)
    {
        foreach (var name in body.DescendantNodes().OfType<SimpleNameSyntax>())
        {
            // Names that name what they declare (an anonymous type's member, a tuple element, a named argument's
            // parameter is checked with its call) and `var` bind to nothing themselves.
            if (name.Identifier.IsMissing || name.IsVar || name.Parent is NameColonSyntax or NameEqualsSyntax
                || name.Parent is AliasQualifiedNameSyntax alias && alias.Alias == name)
            {
                continue;
            }
            var info = model.GetSymbolInfo(name, cancellationToken);
            if (info.Symbol is not null || info.CandidateReason == CandidateReason.LateBound
                || info.CandidateReason == CandidateReason.MemberGroup && name.Ancestors().OfType<InvocationExpressionSyntax>().Any(IsNameof))
            {
                continue;
            }
            if (info.CandidateReason == CandidateReason.None && info.CandidateSymbols.IsEmpty)
            {
                if (Unknown(model, name, cancellationToken) is { } unknown)
                    errors.Add(unknown);
                continue;
            }
            if (Refused(model, name, info, cancellationToken) is { } refused)
                errors.Add(refused);
        }
    }

    private static bool IsNameof(InvocationExpressionSyntax invocation) => invocation.Expression is IdentifierNameSyntax { Identifier.ValueText: "nameof" };

    /// <summary>The error of a name that binds to nothing, or null when it is not one (nameof) or is its receiver's (an unknown receiver's member).</summary>
    private static CompilerError? Unknown(SemanticModel model, SimpleNameSyntax name, CancellationToken cancellationToken)
    {
        var text = name.Identifier.ValueText;
        if (text == "nameof" && name.Parent is InvocationExpressionSyntax)
            return null;
        var receiver = name.Parent switch
        {
            MemberAccessExpressionSyntax access when access.Name == name => access.Expression,
            QualifiedNameSyntax qualified when qualified.Right == name => qualified.Left,
            MemberBindingExpressionSyntax binding => name.Ancestors().OfType<ConditionalAccessExpressionSyntax>()
                .FirstOrDefault(c => c.WhenNotNull.Span.Contains(binding.Span))?.Expression,
            _ => null,
        };
        if (receiver is not null)
        {
            switch (model.GetSymbolInfo(receiver, cancellationToken).Symbol)
            {
                case INamespaceSymbol ns:
                    return new("CS0234", $"The type or namespace name '{text}' does not exist in the namespace '{ns.ToDisplayString(Format)}' " +
                        "(are you missing an assembly reference?)", name.Span);
                case ITypeSymbol type:
                    return new("CS0117", $"'{type.ToDisplayString(Format)}' does not contain a definition for '{text}'", name.Span);
            }
            var receiverType = model.GetTypeInfo(receiver, cancellationToken).Type;
            if (receiverType is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable
                && name.Parent is MemberBindingExpressionSyntax)
            {
                receiverType = nullable.TypeArguments[0];
            }
            // The receiver's own error (an unknown name, a failed call) is reported where it is.
            if (receiverType is null or { TypeKind: TypeKind.Error or TypeKind.Dynamic })
                return null;
            var shown = receiverType.ToDisplayString(Format);
            if (Hidden(receiverType, text) is { } hidden)
                return new("CS0122", $"'{hidden.ToDisplayString(Format)}' is inaccessible due to its protection level", name.Span);
            return new("CS1061", $"'{shown}' does not contain a definition for '{text}' and no accessible extension method '{text}' accepting a first " +
                $"argument of type '{shown}' could be found (are you missing a using directive or an assembly reference?)", name.Span);
        }
        if (name.Parent is AssignmentExpressionSyntax { Parent: InitializerExpressionSyntax { Parent: { } created } } assignment && assignment.Left == name
            && model.GetTypeInfo(created, cancellationToken).Type is { TypeKind: not TypeKind.Error } createdType)
        {
            return new("CS0117", $"'{createdType.ToDisplayString(Format)}' does not contain a definition for '{text}'", name.Span);
        }
        if (SyntaxFacts.IsInTypeOnlyContext(name))
        {
            var shown = name is GenericNameSyntax generic ? $"{text}<{new string(',', generic.Arity - 1)}>" : text;
            return new("CS0246", $"The type or namespace name '{shown}' could not be found (are you missing a using directive or an assembly reference?)",
                name.Span);
        }
        return new("CS0103", $"The name '{text}' does not exist in the current context", name.Span);
    }

    /// <summary>A member of the type or its bases with that name that lookup did not find (so it is not accessible here), or null.</summary>
    private static ISymbol? Hidden(ITypeSymbol type, string name)
    {
        for (var current = type; current is not null; current = current.BaseType)
        {
            if (current.GetMembers(name).FirstOrDefault() is { } member)
                return member;
        }
        return null;
    }

    /// <summary>The error of a name whose candidates the binder refused, by the reason it gives.</summary>
    private static CompilerError? Refused(SemanticModel model, SimpleNameSyntax name, SymbolInfo info, CancellationToken cancellationToken)
    {
        // A call whose argument failed fails with it: the argument's error is the one reported.
        if (info.CandidateReason == CandidateReason.OverloadResolutionFailure && Invocation(name) is { } failedCall
            && failedCall.ArgumentList.Arguments.Any(a => model.GetTypeInfo(a.Expression, cancellationToken).Type is { TypeKind: TypeKind.Error }))
        {
            return null;
        }
        var text = name.Identifier.ValueText;
        var candidate = info.CandidateSymbols.FirstOrDefault();
        var shown = candidate?.ToDisplayString(Format) ?? text;
        return info.CandidateReason switch
        {
            CandidateReason.OverloadResolutionFailure when Invocation(name) is { } invocation =>
                NoOverload(model, text, info.CandidateSymbols.OfType<IMethodSymbol>(), invocation.ArgumentList, name, cancellationToken),
            CandidateReason.OverloadResolutionFailure => new("CS0123", $"No overload for '{text}' matches the delegate or the arguments", name.Span),
            // A method group that is neither called nor converted to a delegate (`ranked.Order.ThenBy(…)`).
            CandidateReason.MemberGroup => new("CS0119", $"'{shown}' is a method, which is not valid in the given context", name.Span),
            CandidateReason.Ambiguous => Ambiguous(text, info.CandidateSymbols, name),
            CandidateReason.Inaccessible => new("CS0122", $"'{shown}' is inaccessible due to its protection level", name.Span),
            CandidateReason.StaticInstanceMismatch when candidate is { IsStatic: true } =>
                new("CS0176", $"Member '{shown}' cannot be accessed with an instance reference; qualify it with a type name instead", name.Span),
            CandidateReason.StaticInstanceMismatch =>
                new("CS0120", $"An object reference is required for the non-static field, method, or property '{shown}'", name.Span),
            CandidateReason.NotInvocable => new("CS1955", $"Non-invocable member '{shown}' cannot be used like a method.", name.Span),
            CandidateReason.WrongArity => new("CS0305", $"Using the generic {candidate?.Kind.ToString().ToLowerInvariant()} '{shown}' requires " +
                $"{(candidate as INamedTypeSymbol)?.Arity ?? (candidate as IMethodSymbol)?.Arity ?? 0} type arguments", name.Span),
            CandidateReason.NotATypeOrNamespace => new("CS0118", $"'{shown}' is a {candidate?.Kind.ToString().ToLowerInvariant()} but is used like a type",
                name.Span),
            CandidateReason.NotAVariable => NotAVariable(name, candidate, shown),
            CandidateReason.NotCreatable => new("CS0144", $"Cannot create an instance of the abstract type or interface '{shown}'", name.Span),
            CandidateReason.NotReferencable => new("CS0571", $"'{shown}': cannot explicitly call operator or accessor", name.Span),
            _ => new("CS0119", $"'{shown}' is a {candidate?.Kind.ToString().ToLowerInvariant()}, which is not valid in the given context", name.Span),
        };
    }

    /// <summary>A property, a readonly field or a value where a variable is needed: assigned (CS0200, CS0191) or passed by reference (CS0206).</summary>
    private static CompilerError NotAVariable(SimpleNameSyntax name, ISymbol? candidate, string shown)
    {
        SyntaxNode expression = name.Parent is MemberAccessExpressionSyntax access && access.Name == name ? access : name;
        if (expression.Parent is ArgumentSyntax)
            return new("CS0206", $"'{shown}' may not be passed as a ref or out value", name.Span);
        return candidate switch
        {
            IPropertySymbol => new("CS0200", $"Property or indexer '{shown}' cannot be assigned to -- it is read only", name.Span),
            IFieldSymbol { IsReadOnly: true } => new("CS0191", "A readonly field cannot be assigned to (except in a constructor or init-only setter of the " +
                "type in which the field is defined or a variable initializer)", name.Span),
            _ => new("CS0131", "The left-hand side of an assignment must be a variable, property or indexer", name.Span),
        };
    }

    /// <summary>The call <paramref name="name"/> is the method of, or null.</summary>
    private static InvocationExpressionSyntax? Invocation(SimpleNameSyntax name)
    {
        var called = name.Parent is MemberAccessExpressionSyntax access && access.Name == name || name.Parent is MemberBindingExpressionSyntax
            ? name.Parent
            : (SyntaxNode)name;
        while (called.Parent is ConditionalAccessExpressionSyntax conditional && conditional.WhenNotNull == called)
            called = conditional;
        return called.Parent is InvocationExpressionSyntax invocation && invocation.Expression == called ? invocation : null;
    }

    /// <summary>Constructor calls (and indexers) whose candidates the binder refused; the type's name itself binds.</summary>
    private static void Creations(SemanticModel model, SyntaxNode body, List<CompilerError> errors, CancellationToken cancellationToken)
    {
        foreach (var creation in body.DescendantNodes().OfType<BaseObjectCreationExpressionSyntax>())
        {
            var info = model.GetSymbolInfo(creation, cancellationToken);
            if (info.Symbol is not null || info.CandidateSymbols.IsEmpty || creation.ArgumentList is not { } arguments)
                continue;
            var type = model.GetTypeInfo(creation, cancellationToken).Type;
            var shown = type?.ToDisplayString(Format) ?? "?";
            errors.Add(info.CandidateReason switch
            {
                CandidateReason.OverloadResolutionFailure
                    when NoOverload(model, shown, info.CandidateSymbols.OfType<IMethodSymbol>(), arguments, creation, cancellationToken) is { Id: "CS1501" } =>
                    new("CS1729", $"'{shown}' does not contain a constructor that takes {arguments.Arguments.Count} arguments", creation.Span),
                CandidateReason.OverloadResolutionFailure =>
                    NoOverload(model, shown, info.CandidateSymbols.OfType<IMethodSymbol>(), arguments, creation, cancellationToken),
                CandidateReason.Ambiguous => Ambiguous(shown, info.CandidateSymbols, creation),
                CandidateReason.Inaccessible => new("CS0122",
                    $"'{info.CandidateSymbols[0].ToDisplayString(Format)}' is inaccessible due to its protection level",
                    creation.Span),
                _ => new("CS0144", $"Cannot create an instance of the abstract type or interface '{shown}'", creation.Span),
            });
        }
    }

    /// <summary>
    /// No candidate takes the arguments: CS1501 when none takes as many, otherwise CS1503 on the first argument the
    /// first candidate that takes as many has no implicit conversion for.
    /// </summary>
    private static CompilerError NoOverload(
        SemanticModel model, string name, IEnumerable<IMethodSymbol> candidates, BaseArgumentListSyntax arguments, SyntaxNode at,
        CancellationToken cancellationToken)
    {
        var count = arguments.Arguments.Count;
        var takingCount = candidates.Where(m => m.Parameters.Count(p => !p.IsOptional && !p.IsParams) <= count
            && (count <= m.Parameters.Length || m.Parameters.LastOrDefault()?.IsParams == true)).ToList();
        if (takingCount.Count == 0)
            return new("CS1501", $"No overload for method '{name}' takes {count} arguments", at.Span);
        var fitting = takingCount.Where(m => arguments.Arguments.Select((a, i) => (a, i)).All(p => p.a.NameColon is not null || p.i >= m.Parameters.Length
            || m.Parameters[p.i].IsParams || model.ClassifyConversion(p.a.Expression, m.Parameters[p.i].Type).IsImplicit)).ToList();
        if (fitting.Count > 1)
            return Ambiguous(name, fitting, at);
        // The arguments fit: the receiver does not (an instance method through its type, a static one through a value).
        if (fitting.Count == 1 && at.Parent is MemberAccessExpressionSyntax access && access.Name == at)
        {
            var receiverIsType = model.GetSymbolInfo(access.Expression, cancellationToken).Symbol is ITypeSymbol;
            if (receiverIsType && !fitting[0].IsStatic)
            {
                return new("CS0120", $"An object reference is required for the non-static field, method, or property '{fitting[0].ToDisplayString(Format)}'",
                    at.Span);
            }
            if (!receiverIsType && fitting[0].IsStatic && fitting[0].ReducedFrom is null)
            {
                return new("CS0176", $"Member '{fitting[0].ToDisplayString(Format)}' cannot be accessed with an instance reference; qualify it with a type " +
                    "name instead", at.Span);
            }
        }
        var taking = takingCount[0];
        for (var i = 0; i < count && i < taking.Parameters.Length; i++)
        {
            var argument = arguments.Arguments[i];
            if (argument.NameColon is not null)
                break;
            var parameter = taking.Parameters[i];
            var argumentType = model.GetTypeInfo(argument.Expression, cancellationToken).Type;
            if (IsError(argumentType) || IsError(parameter.Type) || parameter.IsParams)
                continue;
            if (!model.ClassifyConversion(argument.Expression, parameter.Type).IsImplicit)
            {
                var (from, to) = (argumentType.ToDisplayString(Format), parameter.Type.ToDisplayString(Format));
                return new("CS1503", $"Argument {i + 1}: cannot convert from '{from}' to '{to}'", argument.Span);
            }
        }
        return new("CS1503", $"No overload for '{name}' takes these arguments", arguments.Span);
    }

    private static CompilerError Ambiguous(string name, IEnumerable<ISymbol> candidates, SyntaxNode at)
    {
        var shown = candidates.Take(2).Select(c => $"'{c.ToDisplayString(Format)}'").ToList();
        var pair = string.Join(" and ", shown);
        return candidates.First() switch
        {
            IMethodSymbol or IPropertySymbol { IsIndexer: true } => new("CS0121",
                $"The call is ambiguous between the following methods or properties: {pair}", at.Span),
            ITypeSymbol or INamespaceSymbol => new("CS0104", $"'{name}' is an ambiguous reference between {pair}", at.Span),
            _ => new("CS0229", $"Ambiguity between {pair}", at.Span),
        };
    }

    /// <summary>What the bound operations show: conversions, operators, returns, awaits, locals, assignment targets, invalid operations.</summary>
    private static void Operations(SemanticModel model, IOperation bound, List<CompilerError> errors, CancellationToken cancellationToken)
    {
        var named = errors.Select(e => e.Span).ToList();
        foreach (var operation in bound.DescendantsAndSelf())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var error = operation switch
            {
                IConversionOperation conversion => Conversion(conversion),
                // No operator takes the operands: the result is of an error type, or (a comparison, whose result is
                // bool whatever the operands) no operator symbol binds.
                IBinaryOperation { LeftOperand.Type: { TypeKind: not (TypeKind.Error or TypeKind.Dynamic) } left,
                    RightOperand.Type: { TypeKind: not (TypeKind.Error or TypeKind.Dynamic) } right } binary
                    when binary.Type is { TypeKind: TypeKind.Error }
                        || binary.OperatorKind is not (BinaryOperatorKind.ConditionalAnd or BinaryOperatorKind.ConditionalOr)
                    && model.GetSymbolInfo(binary.Syntax, cancellationToken).Symbol is null =>
                    new CompilerError("CS0019",
                        $"Operator '{OperatorText(binary.Syntax)}' cannot be applied to operands of type '{left.ToDisplayString(Format)}' " +
                        $"and '{right.ToDisplayString(Format)}'", binary.Syntax.Span),
                IUnaryOperation { Type.TypeKind: TypeKind.Error, Operand.Type: { TypeKind: not TypeKind.Error } operand } unary =>
                    new CompilerError("CS0023",
                        $"Operator '{OperatorText(unary.Syntax)}' cannot be applied to operand of type '{operand.ToDisplayString(Format)}'",
                        unary.Syntax.Span),
                IReturnOperation { Kind: OperationKind.Return, Syntax: ReturnStatementSyntax } returned => Return(model, returned, cancellationToken),
                IAwaitOperation awaited
                    when model.GetEnclosingSymbol(awaited.Syntax.SpanStart, cancellationToken) is IMethodSymbol { IsAsync: false } function =>
                    new CompilerError(function.MethodKind == MethodKind.AnonymousFunction ? "CS4034" : function.ReturnsVoid ? "CS4033" : "CS4032",
                        "The 'await' operator can only be used within an async method", awaited.Syntax.Span),
                IConditionalOperation { Type.TypeKind: TypeKind.Error, WhenTrue: { } whenTrue, WhenFalse: { } whenFalse } conditional
                    when Unconverted(whenTrue).Type is { TypeKind: not TypeKind.Error } trueType
                        && Unconverted(whenFalse).Type is { TypeKind: not TypeKind.Error } falseType =>
                    new CompilerError("CS0173", "Type of conditional expression cannot be determined because there is no implicit conversion between " +
                        $"'{trueType.ToDisplayString(Format)}' and '{falseType.ToDisplayString(Format)}'", conditional.Syntax.Span),
                ILocalReferenceOperation local when local.Local.DeclaringSyntaxReferences.FirstOrDefault() is { } declared
                    && declared.SyntaxTree == local.Syntax.SyntaxTree && declared.Span.Start > local.Syntax.SpanStart =>
                    new CompilerError("CS0841", $"Cannot use local variable '{local.Local.Name}' before it is declared", local.Syntax.Span),
                // A value without a type (null, a lambda without a natural type) or of type void (a call of a void
                // method, even one whose argument holds an error of its own: the call binds all the same).
                IVariableDeclaratorOperation { Initializer.Value: { } value } declarator
                    when declarator.Syntax is VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax { Type.IsVar: true } }
                    && (Unconverted(value) is { Type.SpecialType: SpecialType.System_Void } and not IInvalidOperation
                        || Unconverted(value).Type is null && !value.DescendantsAndSelf().Any(IsFailed)) =>
                    new CompilerError("CS0815", $"Cannot assign {value.Syntax} to an implicitly-typed variable", declarator.Syntax.Span),
                IInvalidOperation invalid when !invalid.ChildOperations.Any(c => c.DescendantsAndSelf().Any(IsFailed)) =>
                    Invalid(model, invalid, cancellationToken),
                _ => null,
            };
            // An invalid operation that a name's rule named already (a call no overload takes is also one); the other
            // rules look past failed operands themselves (`var shown = Log($"{missing}")` is CS0815 as well as CS0103).
            var explained = operation is IInvalidOperation && named.Any(n => operation.Syntax.Span.Contains(n) || n.Contains(operation.Syntax.Span));
            if (error is not null && !explained)
                errors.Add(error);
        }
    }

    private static IOperation Unconverted(IOperation operation)
        => operation is IConversionOperation { IsImplicit: true } conversion ? conversion.Operand : operation;

    private static bool IsFailed(IOperation operation) => operation is IInvalidOperation || operation.Type is { TypeKind: TypeKind.Error };

    private static bool IsError([NotNullWhen(false)] ITypeSymbol? type) => type is null or { TypeKind: TypeKind.Error };

    private static string OperatorText(SyntaxNode syntax) => syntax switch
    {
        BinaryExpressionSyntax binary => binary.OperatorToken.Text,
        PrefixUnaryExpressionSyntax prefix => prefix.OperatorToken.Text,
        PostfixUnaryExpressionSyntax postfix => postfix.OperatorToken.Text,
        _ => syntax.ToString(),
    };

    private static CompilerError? Conversion(IConversionOperation conversion)
    {
        if (IsFailed(conversion.Operand) || IsError(conversion.Type))
            return null;
        var to = conversion.Type.ToDisplayString(Format);
        var from = conversion.Operand.Type?.ToDisplayString(Format);
        var at = conversion.Operand.Syntax.Span;
        if (!conversion.Conversion.Exists)
        {
            return conversion.Operand.Syntax switch
            {
                _ when !conversion.IsImplicit => new("CS0030", $"Cannot convert type '{from}' to '{to}'", at),
                LambdaExpressionSyntax or AnonymousMethodExpressionSyntax =>
                    new("CS1660", $"Cannot convert lambda expression to type '{to}' because it is not a delegate type", at),
                LiteralExpressionSyntax { RawKind: (int)SyntaxKind.NullLiteralExpression } =>
                    new("CS0037", $"Cannot convert null to '{to}' because it is a non-nullable value type", at),
                _ when from is null => new("CS0428", $"Cannot convert `{conversion.Operand.Syntax}` to '{to}'", at),
                _ => new("CS0029", $"Cannot implicitly convert type '{from}' to '{to}'", at),
            };
        }
        return conversion.IsImplicit && !conversion.Conversion.IsImplicit
            ? new("CS0266", $"Cannot implicitly convert type '{from}' to '{to}'. An explicit conversion exists (are you missing a cast?)", at)
            : null;
    }

    /// <summary>`return value;` in a method that returns nothing, `return;` in one that returns something.</summary>
    private static CompilerError? Return(SemanticModel model, IReturnOperation returned, CancellationToken cancellationToken)
    {
        if (model.GetEnclosingSymbol(returned.Syntax.SpanStart, cancellationToken) is not IMethodSymbol method || method.IsIterator)
            return null;
        var returnsNothing = method.ReturnsVoid || method.IsAsync && method.ReturnType is INamedTypeSymbol { Arity: 0, Name: "Task" or "ValueTask" };
        var shown = method.ToDisplayString(Format);
        if (returned.ReturnedValue is { } value && returnsNothing)
        {
            return method.MethodKind == MethodKind.AnonymousFunction
                ? new("CS8030", "Anonymous function converted to a void returning delegate cannot return a value", value.Syntax.Span)
                : new("CS0127", $"Since '{shown}' returns void, a return keyword must not be followed by an object expression", value.Syntax.Span);
        }
        if (returned.ReturnedValue is null && !returnsNothing && !IsError(method.ReturnType))
            return new("CS0126", $"An object of a type convertible to '{method.ReturnType.ToDisplayString(Format)}' is required", returned.Syntax.Span);
        return null;
    }

    /// <summary>An invalid operation no name's rule explains: an assignment target that is no variable, or whatever else the binder refused.</summary>
    private static CompilerError Invalid(SemanticModel model, IInvalidOperation invalid, CancellationToken cancellationToken)
    {
        var syntax = invalid.Syntax;
        var isTarget = syntax.Parent is AssignmentExpressionSyntax assignment && assignment.Left == syntax
            || syntax.Parent is PrefixUnaryExpressionSyntax or PostfixUnaryExpressionSyntax;
        if (isTarget)
        {
            var info = model.GetSymbolInfo(syntax, cancellationToken);
            return (info.Symbol ?? info.CandidateSymbols.FirstOrDefault()) switch
            {
                IPropertySymbol property =>
                    new CompilerError("CS0200", $"Property or indexer '{property.ToDisplayString(Format)}' cannot be assigned to -- it is read only",
                        syntax.Span),
                IFieldSymbol { IsReadOnly: true } => new CompilerError("CS0191",
                    "A readonly field cannot be assigned to (except in a constructor or init-only " +
                    "setter of the type in which the field is defined or a variable initializer)", syntax.Span),
                _ => new CompilerError("CS0131", "The left-hand side of an assignment must be a variable, property or indexer", syntax.Span),
            };
        }
        return new(Unnamed, $"`{syntax}` does not bind", syntax.Span);
    }

    /// <summary>
    /// Statements the binder refuses for their shape: a declaration as an embedded statement, an expression that is no
    /// statement, an implicitly typed local without a value, break outside a loop.
    /// </summary>
    private static void Statements(SyntaxNode body, List<CompilerError> errors)
    {
        foreach (var statement in body.DescendantNodes().OfType<StatementSyntax>())
        {
            if (statement is LocalDeclarationStatementSyntax or LabeledStatementSyntax or LocalFunctionStatementSyntax && IsEmbedded(statement))
            {
                errors.Add(new("CS1023", "Embedded statement cannot be a declaration or labeled statement", statement.Span));
            }
            else if (statement is ExpressionStatementSyntax { Expression: { IsMissing: false } expression } && !IsStatementExpression(expression))
            {
                errors.Add(new("CS0201", "Only assignment, call, increment, decrement, await, and new object expressions can be used as a statement",
                    expression.Span));
            }
            else if (statement is LocalDeclarationStatementSyntax { Declaration: { Type.IsVar: true } declaration }
                && declaration.Variables.FirstOrDefault(v => v.Initializer is null && !v.Identifier.IsMissing) is { } uninitialized)
            {
                errors.Add(new("CS0818", "Implicitly-typed variables must be initialized", uninitialized.Span));
            }
            else if (statement is BreakStatementSyntax or ContinueStatementSyntax && !InLoop(statement))
            {
                errors.Add(new("CS0139", "No enclosing loop out of which to break or continue", statement.Span));
            }
        }
    }

    /// <summary>An expression that may stand as a statement: a call, an assignment, an increment or decrement, an await, a new object (C# spec 13.7).</summary>
    private static bool IsStatementExpression(ExpressionSyntax expression) => expression switch
    {
        InvocationExpressionSyntax or AssignmentExpressionSyntax or AwaitExpressionSyntax or BaseObjectCreationExpressionSyntax => true,
        PrefixUnaryExpressionSyntax prefix => prefix.Kind() is SyntaxKind.PreIncrementExpression or SyntaxKind.PreDecrementExpression,
        PostfixUnaryExpressionSyntax postfix => postfix.Kind() is SyntaxKind.PostIncrementExpression or SyntaxKind.PostDecrementExpression,
        ConditionalAccessExpressionSyntax conditional => IsStatementExpression(conditional.WhenNotNull),
        _ => expression.ContainsDiagnostics,
    };

    private static bool IsEmbedded(StatementSyntax statement) => statement.Parent switch
    {
        IfStatementSyntax or ElseClauseSyntax or WhileStatementSyntax or DoStatementSyntax or ForStatementSyntax or CommonForEachStatementSyntax
            or UsingStatementSyntax or LockStatementSyntax or FixedStatementSyntax => true,
        _ => false,
    };

    private static bool InLoop(StatementSyntax statement)
    {
        foreach (var ancestor in statement.Ancestors())
        {
            switch (ancestor)
            {
                case WhileStatementSyntax or DoStatementSyntax or ForStatementSyntax or CommonForEachStatementSyntax:
                    return true;
                case SwitchStatementSyntax when statement is BreakStatementSyntax:
                    return true;
                case AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax or MemberDeclarationSyntax:
                    return false;
            }
        }
        return false;
    }

    /// <summary>
    /// A local declared twice in one scope (CS0128) or over a local or parameter of an enclosing scope (CS0136), up
    /// to the lambda or local function that holds it (whose names may shadow the outer ones since C# 8). Only
    /// declarations whose scope is plain are looked at: a declaration statement's block, a for, foreach, using or
    /// catch's own, and the parameters of the member.
    /// </summary>
    private static void Locals(SyntaxNode body, List<CompilerError> errors)
    {
        var declared = new List<(string Name, SyntaxNode Scope, SyntaxToken At)>();
        foreach (var node in body.DescendantNodesAndSelf())
        {
            switch (node)
            {
                case VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax { Parent: var holder } } declarator:
                    if (holder is LocalDeclarationStatementSyntax { Parent: BlockSyntax or SwitchSectionSyntax } statement)
                        declared.Add((declarator.Identifier.ValueText, statement.Parent!, declarator.Identifier));
                    else if (holder is ForStatementSyntax or UsingStatementSyntax or FixedStatementSyntax)
                        declared.Add((declarator.Identifier.ValueText, holder, declarator.Identifier));
                    break;
                case ForEachStatementSyntax forEach:
                    declared.Add((forEach.Identifier.ValueText, forEach, forEach.Identifier));
                    break;
                case CatchDeclarationSyntax { Parent: CatchClauseSyntax clause } catchDeclaration when catchDeclaration.Identifier.ValueText.Length > 0:
                    declared.Add((catchDeclaration.Identifier.ValueText, clause, catchDeclaration.Identifier));
                    break;
            }
        }
        if (body.Parent is BaseMethodDeclarationSyntax { ParameterList: { } parameters })
        {
            foreach (var parameter in parameters.Parameters)
                declared.Add((parameter.Identifier.ValueText, body.Parent, parameter.Identifier));
        }
        foreach (var group in declared.Where(d => d.Name.Length > 0 && d.Name != "_").GroupBy(d => d.Name, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            var all = group.ToList();
            for (var i = 0; i < all.Count; i++)
            {
                for (var j = 0; j < all.Count; j++)
                {
                    if (i == j || !Encloses(all[j].Scope, all[i].Scope))
                        continue;
                    // Same scope: the later one is the duplicate; an enclosing one: the inner one is refused.
                    if (all[j].Scope == all[i].Scope && all[j].At.SpanStart > all[i].At.SpanStart)
                        continue;
                    var id = all[j].Scope == all[i].Scope ? "CS0128" : "CS0136";
                    errors.Add(id == "CS0128"
                        ? new(id, $"A local variable or function named '{all[i].Name}' is already defined in this scope", all[i].At.Span)
                        : new(id, $"A local or parameter named '{all[i].Name}' cannot be declared in this scope because that name is used in an enclosing " +
                            "local scope to define a local or parameter", all[i].At.Span));
                    break;
                }
            }
        }
    }

    /// <summary>Whether <paramref name="outer"/> is <paramref name="inner"/> or holds it, with no lambda or local function between them.</summary>
    private static bool Encloses(SyntaxNode outer, SyntaxNode inner)
    {
        for (var node = inner; node is not null; node = node.Parent)
        {
            if (node == outer)
                return true;
            if (node is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax)
                return false;
        }
        return false;
    }

    /// <summary>
    /// A local read that nothing ever assigns (CS0165): declared without a value and never written in the body (no
    /// assignment, out or ref argument, increment or deconstruction). The model's data-flow analysis, which would find
    /// every read before an assignment, throws NotSupportedException on a speculative model, so only this sure case is
    /// found.
    /// </summary>
    private static void Unassigned(
        SemanticModel model, SyntaxNode body, IReadOnlyList<SyntaxNode> bound, List<CompilerError> errors, CancellationToken cancellationToken)
    {
        var declared = body.DescendantNodes().OfType<VariableDeclaratorSyntax>()
            .Where(v => v.Initializer is null && !v.Identifier.IsMissing && v.Parent?.Parent is LocalDeclarationStatementSyntax { UsingKeyword.RawKind: 0 })
            .Select(v => v.Identifier.ValueText).ToHashSet(StringComparer.Ordinal);
        if (declared.Count == 0)
            return;
        // Written anywhere in the body, by name: only the bound statements' reads are bound.
        var written = body.DescendantNodes().OfType<IdentifierNameSyntax>()
            .Where(n => declared.Contains(n.Identifier.ValueText) && IsWritten(n)).Select(n => n.Identifier.ValueText).ToHashSet(StringComparer.Ordinal);
        foreach (var name in bound.SelectMany(n => n.DescendantNodesAndSelf()).OfType<IdentifierNameSyntax>())
        {
            if (!declared.Contains(name.Identifier.ValueText) || written.Contains(name.Identifier.ValueText) || IsWritten(name))
                continue;
            if (model.GetSymbolInfo(name, cancellationToken).Symbol is ILocalSymbol local
                && local.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) is VariableDeclaratorSyntax { Initializer: null })
            {
                errors.Add(new("CS0165", $"Use of unassigned local variable '{local.Name}'", name.Span));
            }
        }
    }

    /// <summary>Whether the name is written where it stands (or may be: passed by reference, deconstructed into, its address taken).</summary>
    private static bool IsWritten(ExpressionSyntax name)
    {
        var expression = name;
        while (expression.Parent is ParenthesizedExpressionSyntax parenthesized)
            expression = parenthesized;
        return expression.Parent switch
        {
            AssignmentExpressionSyntax assignment => assignment.Left == expression || assignment.Left is TupleExpressionSyntax,
            ArgumentSyntax argument => !argument.RefKindKeyword.IsKind(SyntaxKind.None) || argument.Parent is TupleExpressionSyntax,
            PrefixUnaryExpressionSyntax or PostfixUnaryExpressionSyntax or RefExpressionSyntax => true,
            _ => false,
        };
    }
}
