// The status bar item: shows the status model's view and opens the CodeAssist menu on click.
import * as vscode from 'vscode';
import { Status, StatusEvent, initialStatus, nextStatus, viewStatus } from './statusModel';

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('codeassist.status', vscode.StatusBarAlignment.Right, 100);
  private status: Status;

  constructor(enabled: boolean) {
    this.status = initialStatus(enabled);
    this.item.name = 'CodeAssist';
    this.item.command = 'codeassist.showMenu';
    this.render();
    this.item.show();
  }

  get current(): Status {
    return this.status;
  }

  readonly dispatch = (event: StatusEvent): void => {
    this.status = nextStatus(this.status, event);
    this.render();
  };

  private render(): void {
    const view = viewStatus(this.status);
    this.item.text = view.text;
    this.item.tooltip = view.tooltip;
    this.item.backgroundColor = view.severity === 'normal' ? undefined : new vscode.ThemeColor(`statusBarItem.${view.severity}Background`);
  }

  dispose(): void {
    this.item.dispose();
  }
}
