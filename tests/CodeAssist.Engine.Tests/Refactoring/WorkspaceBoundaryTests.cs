using CodeAssist.Engine.Refactoring;

namespace CodeAssist.Engine.Tests.Refactoring;

/// <summary>Edits stay inside the workspace folders, however the path is spelled.</summary>
public sealed class WorkspaceBoundaryTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    [Fact]
    public void Paths_under_a_folder_are_inside_and_others_are_not()
    {
        var root = Directory.CreateDirectory(_temp.Combine("work")).FullName;
        var boundary = new WorkspaceBoundary([root]);

        Assert.True(boundary.Contains(Path.Combine(root, "src", "New.cs")));
        Assert.True(boundary.Contains(root));
        Assert.False(boundary.Contains(Path.Combine(root, "..", "outside.cs")));
        Assert.False(boundary.Contains(root + "-other/x.cs"));
        Assert.Contains("outside the workspace folders", boundary.Refusal(_temp.Combine("x.cs")));
    }

    [Fact]
    public void A_symbolic_link_out_of_the_workspace_leads_outside()
    {
        var root = Directory.CreateDirectory(_temp.Combine("work")).FullName;
        var outside = Directory.CreateDirectory(_temp.Combine("outside")).FullName;
        Directory.CreateSymbolicLink(Path.Combine(root, "link"), outside);

        Assert.False(new WorkspaceBoundary([root]).Contains(Path.Combine(root, "link", "Tests.cs")));
    }

    [Fact]
    public void Without_workspace_folders_nothing_may_be_edited() =>
        Assert.Contains("not in a workspace folder", new WorkspaceBoundary([]).Refusal(_temp.Combine("x.cs")));

    public void Dispose() => _temp.Dispose();
}
