import './base.css';
import '@perfnb/views/style/panel.css';
