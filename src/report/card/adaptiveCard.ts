/**
 * The subset of Adaptive Card 1.5 the Teams card uses, typed so the builder cannot emit a misspelt element.
 * Reference: https://adaptivecards.io/explorer/ (Table and TextBlock `style: heading` are 1.5 features).
 */

/** Adaptive Card text sizes; the host maps them to its own type ramp. */
export type TextSize = 'small' | 'default' | 'medium' | 'large' | 'extraLarge';
/** Adaptive Card semantic text colours; the host theme picks the actual colour (light and dark mode differ). */
export type TextColor = 'default' | 'dark' | 'light' | 'accent' | 'good' | 'warning' | 'attention';
/** Adaptive Card container styles: background emphasis (`emphasis`) or a status tint (`good`, `attention`...). */
export type ContainerStyle = 'default' | 'emphasis' | 'good' | 'attention' | 'warning' | 'accent';

/** A run of text. Teams renders a subset of Markdown in `text` (bold, italics, lists, links). */
export interface TextBlock {
  type: 'TextBlock';
  text: string;
  /** Wrap long text instead of cutting it with an ellipsis at one line. */
  wrap?: boolean;
  size?: TextSize;
  weight?: 'lighter' | 'default' | 'bolder';
  color?: TextColor;
  isSubtle?: boolean;
  spacing?: 'none' | 'small' | 'default' | 'medium' | 'large';
  /** `heading` marks the block as a heading for screen readers (Adaptive Card 1.5). */
  style?: 'default' | 'heading';
  /** Most lines shown when wrapping; the rest is cut. */
  maxLines?: number;
  fontType?: 'default' | 'monospace';
}

/** Title/value pairs laid out as two aligned columns (the card's key facts). */
export interface FactSet {
  type: 'FactSet';
  facts: Array<{ title: string; value: string }>;
  spacing?: TextBlock['spacing'];
}

/** A group of elements sharing a style (the card's coloured header band). */
export interface Container {
  type: 'Container';
  items: CardElement[];
  style?: ContainerStyle;
  /** Extend the container's background to the card's edges. */
  bleed?: boolean;
  spacing?: TextBlock['spacing'];
}

/** One table cell; it holds elements, not plain text. */
export interface TableCell {
  type: 'TableCell';
  items: CardElement[];
}

/** One table row: one cell per column, in column order. */
export interface TableRow {
  type: 'TableRow';
  cells: TableCell[];
  style?: ContainerStyle;
}

/** A table (Adaptive Card 1.5): the card's top-pods list. */
export interface Table {
  type: 'Table';
  /** Relative column widths (weights, not pixels). */
  columns: Array<{ width: number }>;
  rows: TableRow[];
  firstRowAsHeader?: boolean;
  showGridLines?: boolean;
  gridStyle?: ContainerStyle;
  spacing?: TextBlock['spacing'];
}

/** Every body element the Teams card uses. */
export type CardElement = TextBlock | FactSet | Container | Table;

/** A button that opens `url` in the browser (the card's link to the full report). */
export interface OpenUrlAction {
  type: 'Action.OpenUrl';
  title: string;
  url: string;
}

/** An Adaptive Card at schema version 1.5, the newest version Teams renders. */
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
