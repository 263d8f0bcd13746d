/**
 * The subset of Adaptive Card 1.5 the Teams card uses, typed so the builder cannot emit a misspelt element.
 * Reference: https://adaptivecards.io/explorer/ (Table and TextBlock `style: heading` are 1.5 features).
 */

export type TextSize = 'small' | 'default' | 'medium' | 'large' | 'extraLarge';
export type TextColor = 'default' | 'dark' | 'light' | 'accent' | 'good' | 'warning' | 'attention';
export type ContainerStyle = 'default' | 'emphasis' | 'good' | 'attention' | 'warning' | 'accent';

export interface TextBlock {
  type: 'TextBlock';
  text: string;
  wrap?: boolean;
  size?: TextSize;
  weight?: 'lighter' | 'default' | 'bolder';
  color?: TextColor;
  isSubtle?: boolean;
  spacing?: 'none' | 'small' | 'default' | 'medium' | 'large';
  style?: 'default' | 'heading';
  maxLines?: number;
  fontType?: 'default' | 'monospace';
}

export interface FactSet {
  type: 'FactSet';
  facts: Array<{ title: string; value: string }>;
  spacing?: TextBlock['spacing'];
}

export interface Container {
  type: 'Container';
  items: CardElement[];
  style?: ContainerStyle;
  bleed?: boolean;
  spacing?: TextBlock['spacing'];
}

export interface TableCell {
  type: 'TableCell';
  items: CardElement[];
}

export interface TableRow {
  type: 'TableRow';
  cells: TableCell[];
  style?: ContainerStyle;
}

export interface Table {
  type: 'Table';
  columns: Array<{ width: number }>;
  rows: TableRow[];
  firstRowAsHeader?: boolean;
  showGridLines?: boolean;
  gridStyle?: ContainerStyle;
  spacing?: TextBlock['spacing'];
}

export type CardElement = TextBlock | FactSet | Container | Table;

export interface OpenUrlAction {
  type: 'Action.OpenUrl';
  title: string;
  url: string;
}

export interface AdaptiveCard15 {
  type: 'AdaptiveCard';
  $schema: 'http://adaptivecards.io/schemas/adaptive-card.json';
  version: '1.5';
  body: CardElement[];
  actions?: OpenUrlAction[];
  /** Teams host extension: use the full message width. */
  msteams?: { width: 'Full' };
  /** Plain-text fallback for clients that cannot render the card. */
  fallbackText?: string;
}

/** The Teams Workflows ("When a Teams webhook request is received") message payload. */
export interface TeamsPayload {
  type: 'message';
  attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive'; contentUrl: null; content: AdaptiveCard15 }];
}
