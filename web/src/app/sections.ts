import {
  BookUser,
  Bot,
  FileText,
  LayoutDashboard,
  Megaphone,
  MessagesSquare,
  Settings,
  Smartphone,
  Workflow,
  type LucideIcon,
} from "lucide-react";

export interface Section {
  key: string;
  path: string;
  icon: LucideIcon;
}

/** Every section of the product, in sidebar order. */
export const SECTIONS: Section[] = [
  { key: "dashboard", path: "/", icon: LayoutDashboard },
  { key: "inbox", path: "/inbox", icon: MessagesSquare },
  { key: "contacts", path: "/contacts", icon: BookUser },
  { key: "campaigns", path: "/campaigns", icon: Megaphone },
  { key: "templates", path: "/templates", icon: FileText },
  { key: "automations", path: "/automations", icon: Workflow },
  { key: "ai", path: "/ai", icon: Bot },
  { key: "connections", path: "/connections", icon: Smartphone },
  { key: "settings", path: "/settings", icon: Settings },
];
